import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import type { CallToolResult, Tool } from '@modelcontextprotocol/sdk/types.js';
import { withRegistry, UsageError } from '../../context.js';
import { printJson, printTable } from '../../output.js';
import type { Globals } from './actions.js';
import { EXIT_TOOL_ERROR, backendTrouble, locateGateway, withMcpSession } from './gateway-client.js';

/** Flags shared by the commands that open an MCP session through the gateway (with the global `--db`). */
export interface SessionFlags extends Globals {
  /** Gateway base URL (default: the running gateway in the registry). */
  url?: string;
  /** Consumer key (default: AGATE_KEY). */
  key?: string;
  json?: boolean;
}

/** `agate mcp tools <name>`: tools/list through the gateway, as a client sees it. */
export async function toolsAction(name: string, f: SessionFlags): Promise<void> {
  const tools = await session(name, f, async (client) => {
    const all: Tool[] = [];
    let cursor: string | undefined;
    do {
      const page = await client.listTools(cursor === undefined ? {} : { cursor });
      all.push(...page.tools);
      cursor = page.nextCursor;
    } while (cursor !== undefined);
    return all;
  });
  // No tools at all is what a down backend looks like from a client: say so, with the gateway's reason.
  const trouble = tools.length === 0 ? withRegistry(f, (r) => backendTrouble(r, name)) : undefined;
  if (trouble) throw new BackendDown(`MCP server "${name}" is ${trouble}`);
  if (f.json) return printJson(tools);
  printTable(
    tools.map((t) => ({ name: t.name, args: Object.keys(t.inputSchema.properties ?? {}), description: firstLine(t.description) })),
    ['name', 'args', 'description'],
  );
}

/** `agate mcp call <name> <tool> --args '{…}'`: exit 0 on success, 5 when the tool reports isError. */
export async function callAction(name: string, tool: string, f: SessionFlags & { args?: string }): Promise<void> {
  const args = parseArgs(f.args);
  const result = (await session(name, f, (client) => client.callTool({ name: tool, arguments: args })).catch((err: unknown) => {
    const trouble = withRegistry(f, (r) => backendTrouble(r, name));
    throw trouble ? new BackendDown(`MCP server "${name}" is ${trouble}`) : err;
  })) as CallToolResult;
  if (f.json) printJson(result);
  else {
    const text = result.content.map((c) => (c.type === 'text' ? c.text : `[${c.type} content]`)).join('\n');
    process.stdout.write(text.endsWith('\n') || text === '' ? text : `${text}\n`);
  }
  if (result.isError) process.exitCode = EXIT_TOOL_ERROR;
}

/** The server's backend is not serving (exit 1, the reason from the gateway's health report). */
class BackendDown extends Error {
  override name = 'BackendDown';
}

function parseArgs(text: string | undefined): Record<string, unknown> {
  if (text === undefined) return {};
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw new UsageError(`--args: not valid JSON: ${(err as Error).message}`);
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) throw new UsageError('--args: must be a JSON object, e.g. \'{"timeZone":"Europe/London"}\'');
  return value as Record<string, unknown>;
}

async function session<T>(name: string, f: SessionFlags, fn: (client: Client) => Promise<T>): Promise<T> {
  const gateway = withRegistry(f, (r) => locateGateway(r, f.url));
  return withMcpSession({ gateway, server: name, key: f.key ?? process.env.AGATE_KEY }, fn);
}

function firstLine(text: string | undefined): string {
  const line = (text ?? '').trim().split('\n')[0] ?? '';
  return line.length > 80 ? `${line.slice(0, 77)}...` : line;
}
