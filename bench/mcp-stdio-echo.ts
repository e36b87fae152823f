/**
 * The benchmark echo server (bench/mcp-echo-server.ts) over stdio, for bench/mcp-backends.ts: agate's stdio
 * backend and the direct SDK client both spawn this file, so the two paths end at the same server code.
 */
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import { createEchoServer } from './mcp-echo-server.js';

await createEchoServer().connect(new StdioServerTransport());
