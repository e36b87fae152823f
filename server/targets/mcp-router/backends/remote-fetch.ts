import { AsyncLocalStorage } from 'node:async_hooks';
import type { FetchLike } from '@modelcontextprotocol/sdk/shared/transport.js';
import { Agent, fetch as undiciFetch } from 'undici';

/**
 * Headers for the upstream requests made while a callback runs: how one tools/call carries the client's own
 * credentials (configured passthrough) although the SDK transport only knows per-connection headers.
 */
export const requestHeaders = new AsyncLocalStorage<Readonly<Record<string, string>>>();

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
  const fetch = ((url: string | URL, init?: RequestInit) => {
    const extra = requestHeaders.getStore();
    let headers = init?.headers;
    if (extra) {
      const merged = new Headers(headers);
      for (const [name, value] of Object.entries(extra)) merged.set(name, value);
      headers = merged;
    }
    return undiciFetch(url, { ...init, headers, dispatcher: agent } as unknown as Parameters<typeof undiciFetch>[1]);
  }) as unknown as FetchLike;
  return { fetch, close: () => agent.close() };
}
