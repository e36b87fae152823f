import { createRequire } from 'node:module';
import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import type { ClientCapabilities } from '@modelcontextprotocol/sdk/types.js';
import type { HostedServerDefinition } from '../../servers/index.js';

// @modelcontextprotocol/server-everything (a devDependency), the MCP reference server: it registers its sampling,
// elicitation and roots tools only for clients that declared those capabilities, and sends real server→client
// requests. One copy per session, whichever way the gateway reaches it.

/** Its entry point, to run as a stdio child: `node <path> stdio`. */
export const everythingEntry = createRequire(import.meta.url).resolve('@modelcontextprotocol/server-everything/dist/index.js');

/** A stdio backend spec running it. */
export const everythingStdio = { kind: 'stdio' as const, command: process.execPath, args: [everythingEntry, 'stdio'], env: {} };

/** A fresh server instance (for a remote upstream's `server` option or a hosted definition). */
export async function everythingFactory(): Promise<() => McpServer> {
  const { createServer } = (await import(new URL('server/index.js', `file://${everythingEntry}`).href)) as { createServer: () => { server: McpServer } };
  return () => createServer().server;
}

/** It as a hosted server type named `everything`. */
export async function everythingHosted(): Promise<HostedServerDefinition> {
  const create = await everythingFactory();
  return { name: 'everything', title: 'Everything', version: '2.0.0', description: 'the MCP reference server', settings: [], createServer: create };
}

/** The tools it offers only to clients with these capabilities. */
export const CAPABILITY_TOOLS: ReadonlyArray<[keyof ClientCapabilities, string]> = [
  ['elicitation', 'trigger-elicitation-request'],
  ['sampling', 'trigger-sampling-request'],
];
