/**
 * The echo MCP server for bench/mcp.ts in its own process (direct baseline and agate's remote backend), so it
 * never shares an event loop with the load generator. IPC: sends `{ url }` once listening; exits on `'stop'`.
 */
import { serveEcho } from './mcp-echo-server.js';

const echo = await serveEcho();
process.send!({ url: echo.url });
process.on('message', (msg) => {
  if (msg === 'sessions') process.send!({ sessions: echo.sessions() });
  if (msg === 'stop') process.exit(0);
});
