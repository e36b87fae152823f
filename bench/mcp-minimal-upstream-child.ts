/**
 * The cheapest remote MCP server there is, for bench/mcp-cost.ts: `node:http`, one JSON answer per POST, no SDK
 * and no session state (every session gets the same id). It answers initialize, tools/list and an `echo`
 * tools/call; notifications get 202, DELETE 200, GET 405 (no standalone stream). IPC: sends `{ url }` once
 * listening; `'cpu'` → `process.cpuUsage()`; exits on `'stop'`.
 */
import { createServer } from 'node:http';

const TOOLS = [{ name: 'echo', inputSchema: { type: 'object', properties: { text: { type: 'string' } } } }];

interface Message {
  id?: string | number;
  method: string;
  params?: { protocolVersion?: string; arguments?: { text?: string } };
}

function answer(message: Message): unknown {
  if (message.method === 'initialize') return { protocolVersion: message.params?.protocolVersion, capabilities: { tools: {} }, serverInfo: { name: 'minimal', version: '1' } };
  if (message.method === 'tools/list') return { tools: TOOLS };
  if (message.method === 'tools/call') return { content: [{ type: 'text', text: message.params?.arguments?.text ?? '' }] };
  return {};
}

const server = createServer((req, res) => {
  if (req.method !== 'POST') return void res.writeHead(req.method === 'DELETE' ? 200 : 405).end();
  let body = '';
  req.setEncoding('utf8');
  req.on('data', (chunk: string) => (body += chunk));
  req.on('end', () => {
    const message = JSON.parse(body) as Message;
    if (message.id === undefined) return void res.writeHead(202).end();
    const out = JSON.stringify({ jsonrpc: '2.0', id: message.id, result: answer(message) });
    res.writeHead(200, { 'content-type': 'application/json', 'mcp-session-id': 'minimal' }).end(out);
  });
});
server.keepAliveTimeout = 60_000;
server.listen(0, '127.0.0.1', 4096, () => {
  const { port } = server.address() as { port: number };
  process.send!({ url: `http://127.0.0.1:${port}/mcp` });
});
process.on('message', (msg) => {
  if (msg === 'cpu') process.send!(process.cpuUsage());
  if (msg === 'stop') process.exit(0);
});
