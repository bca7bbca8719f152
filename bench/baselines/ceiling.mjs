// Ceiling: node:http answering the same tools/call with a fixed JSON-RPC result, nothing parsed.
// Usage: node bench/baselines/ceiling.mjs <port>
import { createServer } from 'node:http';

const port = Number(process.argv[2] ?? 3101);
createServer((req, res) => {
  req.resume();
  req.on('end', () => {
    const body =
      '{"jsonrpc":"2.0","id":1,"result":{"content":[{"type":"text","text":"{\\"value\\":42}"}],"structuredContent":{"value":42}}}';
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
    res.end(body);
  });
}).listen(port, '127.0.0.1', () => process.stderr.write(`ceiling listening on ${port}\n`));
