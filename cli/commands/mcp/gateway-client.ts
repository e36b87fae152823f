import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import type { Registry } from '../../../registry/index.js';
import { mcpServerUrls } from '../../../server/config-tools.js';
import { HEALTHY_MCP, STALE_MS } from '../status.js';

/** Exit code of `mcp call` when the tool ran and reported failure (`isError`). */
export const EXIT_TOOL_ERROR = 5;

/** The gateway a command talks to, and whether a running one was found. */
export interface GatewayLocation {
  /** Base URL, e.g. http://127.0.0.1:8080. */
  readonly url: string;
  /** Where it came from, for messages. */
  readonly source: 'flag' | 'registry' | 'default';
}

/**
 * The running gateway's data-plane URL from `registry.instances` (freshest heartbeat first), reachable from this
 * host: a wildcard bind address becomes 127.0.0.1. Without a running gateway, the default port (AGATE_PORT, 8080).
 */
export function locateGateway(registry: Registry, override?: string): GatewayLocation {
  if (override) return { url: override.replace(/\/+$/, ''), source: 'flag' };
  const now = Date.now();
  const running = registry.instances.list().find((g) => now - Date.parse(g.heartbeatAt) < STALE_MS);
  const listener = running?.listeners.find((l) => l.name === 'gateway');
  if (listener) return { url: reachable(listener.url), source: 'registry' };
  return { url: `http://127.0.0.1:${process.env.AGATE_PORT ?? '8080'}`, source: 'default' };
}

/**
 * What the running gateway last reported about server `name`'s backend when it is not healthy ("down: connect
 * ECONNREFUSED …"), from its heartbeat row; undefined when healthy or unknown. A down backend's tools are
 * withdrawn, so an empty tools/list or a failed call alone cannot say why.
 */
export function backendTrouble(registry: Registry, name: string): string | undefined {
  const now = Date.now();
  const running = registry.instances.list().filter((g) => now - Date.parse(g.heartbeatAt) < STALE_MS);
  for (const g of running) {
    // `starting` is not trouble yet: a crashed stdio server being restarted may still come up.
    const bad = g.backendHealth.mcp.find((b) => b.server === name && !HEALTHY_MCP.has(b.state) && b.state !== 'starting');
    if (bad) return `${bad.state}${bad.reason ? `: ${bad.reason}` : ''}`;
  }
  return undefined;
}

function reachable(url: string): string {
  const u = new URL(url);
  if (u.hostname === '0.0.0.0' || u.hostname === '[::]') u.hostname = '127.0.0.1';
  return u.origin;
}

/** The URLs of server `name` on the located gateway. */
export function serverUrls(gateway: GatewayLocation, name: string): ReturnType<typeof mcpServerUrls> {
  return mcpServerUrls(gateway.url, name);
}

/** A failure to reach the gateway or the server: exit 1 with a message that says what to check. */
class GatewayUnreachable extends Error {
  override name = 'GatewayUnreachable';
}

/** Which MCP server a CLI session talks to, through which gateway, as which consumer. */
export interface SessionTarget {
  readonly gateway: GatewayLocation;
  /** The MCP server's name on the gateway. */
  readonly server: string;
  /** The consumer's key, when the endpoint needs one. */
  readonly key?: string;
}

/**
 * Runs `fn` in one real MCP session (SDK client over Streamable HTTP) with the target's server on its gateway, as
 * the consumer whose key it holds. The session is closed (DELETE) afterwards, whatever happens.
 */
export async function withMcpSession<T>(target: SessionTarget, fn: (client: Client) => Promise<T>): Promise<T> {
  const { gateway, server: name, key } = target;
  // Loaded here: every other command would pay for the SDK client at start-up.
  const { Client } = await import('@modelcontextprotocol/sdk/client/index.js');
  const { StreamableHTTPClientTransport, StreamableHTTPError } = await import('@modelcontextprotocol/sdk/client/streamableHttp.js');
  const url = serverUrls(gateway, name).streamableHttp;
  const headers: Record<string, string> = key ? { authorization: `Bearer ${key}` } : {};
  // One short session: a dropped stream is not resumed (a pending reconnect timer would hold the process open).
  const reconnectionOptions = { maxRetries: 0, initialReconnectionDelay: 1000, maxReconnectionDelay: 1000, reconnectionDelayGrowFactor: 1 };
  const transport = new StreamableHTTPClientTransport(new URL(url), { requestInit: { headers }, reconnectionOptions });
  const client = new Client({ name: 'agate-cli', version: '0.1.0' });
  try {
    await client.connect(transport);
  } catch (err) {
    await client.close().catch(() => {});
    if (err instanceof StreamableHTTPError && err.code !== undefined) throw new GatewayUnreachable(httpProblem({ status: err.code, message: err.message }, name, url));
    const hint = gateway.source === 'default' ? ' (no running gateway in the registry: start one with `agate serve` or pass --url)' : '';
    throw new GatewayUnreachable(`cannot reach the gateway at ${gateway.url}: ${causeOf(err)}${hint}`);
  }
  try {
    return await fn(client);
  } finally {
    await transport.terminateSession().catch(() => {});
    await client.close().catch(() => {});
  }
}

/** Says what an HTTP refusal of `url` (server `name`) means for the user. */
function httpProblem(answer: { status: number; message: string }, name: string, url: string): string {
  const { status, message } = answer;
  if (status === 404) return `no MCP server "${name}" at ${url} (agate mcp list shows the configured ones)`;
  if (status === 401) return `${url} needs a consumer key: pass --key or set AGATE_KEY`;
  if (status === 403) return `the consumer is not allowed to use "${name}" (${message})`;
  return `${url} answered HTTP ${status}: ${message}`;
}

function causeOf(err: unknown): string {
  const cause = (err as { cause?: { code?: string; message?: string } }).cause;
  return cause?.code ?? cause?.message ?? (err as Error).message;
}
