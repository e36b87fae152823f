import type { FetchLike } from '@modelcontextprotocol/sdk/shared/transport.js';
import { Agent, fetch as undiciFetch } from 'undici';

/** A fetch bound to one upstream's connection pool, and the way to close that pool. */
export interface UpstreamFetch {
  readonly fetch: FetchLike;
  close(): Promise<void>;
}

/**
 * The fetch a remote backend hands to the SDK transports: undici with its own agent, so the connect timeout is
 * per server and closing the backend closes its sockets. Bodies have no idle timeout: an SSE stream may be
 * quiet for long, and each request has its own deadline in the transport.
 */
export function createUpstreamFetch(options: { connectTimeoutMs: number; headersTimeoutMs: number }): UpstreamFetch {
  const agent = new Agent({
    connect: { timeout: options.connectTimeoutMs },
    headersTimeout: options.headersTimeoutMs,
    bodyTimeout: 0,
  });
  const fetch = ((url: string | URL, init?: RequestInit) =>
    undiciFetch(url, { ...(init as Parameters<typeof undiciFetch>[1]), dispatcher: agent })) as unknown as FetchLike;
  return { fetch, close: () => agent.close() };
}
