/**
 * The REST upstream for bench/rest-to-mcp.ts in its own process (so it never shares an event loop with the
 * load generator): every GET answers the same search-API-shaped JSON, 10 results of about 250 bytes each,
 * like the corpus's search tools. IPC: sends `{ url }` once listening; exits on `'stop'`.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

/** The answer body, built once: the benchmark measures the gateway, not JSON.stringify here. */
const BODY = JSON.stringify({
  query: { original: 'agate gateway', more_results_available: true },
  web: {
    results: Array.from({ length: 10 }, (_, i) => ({
      title: `Result ${i + 1}: an AI-native API gateway`,
      description: `Snippet ${i + 1} about MCP hosting, REST-to-MCP, LLM routing and HTTP proxying on one core, with some more words.`,
      url: `https://example.com/articles/${i + 1}/agate-gateway`,
      age: '2 days ago',
      language: 'en',
    })),
  },
});

const server = createServer((req, res) => {
  req.resume();
  req.on('end', () => {
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(BODY) });
    res.end(BODY);
  });
});
server.keepAliveTimeout = 60_000;
server.listen(0, '127.0.0.1', () => {
  process.send!({ url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` });
});
process.on('message', (msg) => {
  if (msg === 'stop') process.exit(0);
});
