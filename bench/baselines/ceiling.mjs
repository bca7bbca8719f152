// Ceiling: node:http answering the same tools/call with a fixed JSON-RPC result, nothing parsed.
// A request in 2026-07-28 (an MCP-Protocol-Version header) gets the result that era's demo gives,
// with its resultType and serverInfo, so the ceiling shows what the era's larger messages cost.
// Usage: node bench/baselines/ceiling.mjs <port>
import { createServer } from 'node:http';

const port = Number(process.argv[2] ?? 3101);
const LEGACY =
  '{"jsonrpc":"2.0","id":1,"result":{"content":[{"type":"text","text":"{\\"value\\":42}"}],"structuredContent":{"value":42}}}';
const MODERN =
  '{"jsonrpc":"2.0","id":1,"result":{"content":[{"type":"text","text":"{\\"value\\":42}"}],"structuredContent":{"value":42},"resultType":"complete","_meta":{"io.modelcontextprotocol/serverInfo":{"name":"demo","version":"0.1.0","title":"mcp-stack demo"}}}}';
createServer((req, res) => {
  req.resume();
  req.on('end', () => {
    const body = req.headers['mcp-protocol-version'] ? MODERN : LEGACY;
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
    res.end(body);
  });
}).listen(port, '127.0.0.1', () => process.stderr.write(`ceiling listening on ${port}\n`));
