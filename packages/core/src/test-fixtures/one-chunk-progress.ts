// A stdio MCP peer (not a real server) that answers a tools/call with its three progress
// notifications and its result in ONE write, as a busy client reads them: the case where the
// SDK v1 client settles the request before its progress handlers run.
import { createInterface } from 'node:readline';

const line = (message: unknown) => `${JSON.stringify(message)}\n`;
createInterface({ input: process.stdin }).on('line', (text) => {
  const message = JSON.parse(text) as {
    id?: number;
    method: string;
    params?: { protocolVersion?: string; _meta?: { progressToken?: number } };
  };
  if (message.method === 'initialize') {
    process.stdout.write(
      line({
        jsonrpc: '2.0',
        id: message.id,
        result: {
          protocolVersion: message.params?.protocolVersion,
          capabilities: { tools: {} },
          serverInfo: { name: 'one-chunk-progress', version: '0.0.0' },
        },
      }),
    );
  } else if (message.method === 'tools/call') {
    const token = message.params?._meta?.progressToken;
    const progress = [1, 2, 3].map((n) =>
      line({
        jsonrpc: '2.0',
        method: 'notifications/progress',
        params: { progressToken: token, progress: n, total: 3 },
      }),
    );
    const result = line({ jsonrpc: '2.0', id: message.id, result: { content: [] } });
    process.stdout.write(progress.join('') + result);
  }
});
