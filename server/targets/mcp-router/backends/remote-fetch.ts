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
    const link = linkSignal(init?.signal ?? undefined);
    const response = undiciFetch(url, { ...init, headers, signal: link.signal, dispatcher: agent } as unknown as Parameters<typeof undiciFetch>[1]);
    return response.then(
      (res) => releaseWhenBodyEnds(res as unknown as Response, link.release),
      (err: unknown) => {
        link.release();
        throw err;
      },
    );
  }) as unknown as FetchLike;
  return { fetch, close: () => agent.close() };
}

/**
 * A signal of this request's own, aborted when `outer` is. The SDK transports pass one connection-wide signal to
 * every fetch, and undici removes its listener from that signal only on abort: over a long session the listeners
 * piled up (MaxListenersExceededWarning after ~1,500 calls). Linking through a per-request controller keeps one
 * listener per request in flight, removed when the request is done.
 */
function linkSignal(outer: AbortSignal | undefined): { signal: AbortSignal | undefined; release: () => void } {
  if (!outer || outer.aborted) return { signal: outer, release: () => {} };
  const controller = new AbortController();
  const onAbort = () => controller.abort(outer.reason);
  outer.addEventListener('abort', onAbort, { once: true });
  return { signal: controller.signal, release: () => outer.removeEventListener('abort', onAbort) };
}

/** Calls `release` once the response body has been read to its end (or at once when there is none). */
function releaseWhenBodyEnds(res: Response, release: () => void): Response {
  if (!res.body) {
    release();
    return res;
  }
  const body = res.body.pipeThrough(new TransformStream({ flush: release }));
  return new Response(body, { status: res.status, statusText: res.statusText, headers: res.headers });
}
