import { SSEClientTransport } from '@modelcontextprotocol/sdk/client/sse.js';
import type { FetchLike } from '@modelcontextprotocol/sdk/shared/transport.js';
import type { JSONRPCMessage } from '@modelcontextprotocol/sdk/types.js';
import { fetch as undiciFetch, type Dispatcher } from 'undici';
import { UpstreamHttpError, badAnswer, oneLine } from './remote-errors.js';
import type { UpstreamSendOptions, UpstreamTransport } from './upstream-transport.js';

/** What one legacy HTTP+SSE upstream session runs on. */
export interface SseUpstreamOptions {
  /** The server's name, for the errors the client sees. */
  readonly name: string;
  /** The event stream's URL (GET); the POST endpoint comes in its `endpoint` event. */
  readonly url: URL;
  readonly headers: Readonly<Record<string, string>>;
  readonly dispatcher: Dispatcher;
}

/** How the SDK transport reports an error status to a POST: its message holds the status and the whole body. */
const POST_FAILED = /^Error POSTing to endpoint \(HTTP (\d+)\): ([\s\S]*)$/;

/**
 * The session id our errors carry: a legacy session lives in the endpoint URL every POST goes to, so any error
 * status to a POST is about that session (a 404 means the upstream forgot it: see isSessionGone).
 */
const ENDPOINT_SESSION = 'endpoint';

/** Extra headers of the POSTs in flight, by body (a message serialized as the SDK transport sends it). */
type HeadersByBody = Map<string, Readonly<Record<string, string>>>;

/**
 * A legacy HTTP+SSE upstream (protocol 2024-11-05), kept on the SDK's own client transport: such servers are few,
 * and the per-call cost that matters is Streamable HTTP's. What it lacks, per-request headers, comes through
 * its fetch.
 */
export class SseUpstream extends SSEClientTransport implements UpstreamTransport {
  private readonly extraHeaders: HeadersByBody;
  private readonly name: string;

  constructor(options: SseUpstreamOptions) {
    const extraHeaders: HeadersByBody = new Map();
    super(options.url, { requestInit: { headers: { ...options.headers } }, fetch: createUpstreamFetch(options.dispatcher, extraHeaders) });
    this.extraHeaders = extraHeaders;
    this.name = options.name;
  }

  /**
   * POSTs one message, with `options.headers` on that request only: the SDK transport knows only per-connection
   * headers, so its fetch finds them by the body it is given (ids are unique within the session).
   */
  override async send(message: JSONRPCMessage, options?: UpstreamSendOptions): Promise<void> {
    const headers = options?.headers;
    const body = headers ? JSON.stringify(message) : undefined;
    if (body && headers) this.extraHeaders.set(body, headers);
    try {
      await super.send(message);
    } catch (err) {
      throw this.postFailed(err);
    } finally {
      if (body) this.extraHeaders.delete(body);
    }
  }

  /**
   * The error the client sees for a failed POST, as on Streamable HTTP: an error status names the server and the
   * status, its body (stack traces, paths) goes to `detail` for the log; an answer whose head could not be read
   * fails this request only (the server is up). Anything else (unreachable) is left as it is.
   */
  private postFailed(err: unknown): unknown {
    const bad = badAnswer(err, this.name, ENDPOINT_SESSION);
    if (bad) return bad;
    const status = err instanceof Error ? POST_FAILED.exec(err.message) : null;
    if (!status) return err;
    const message = `MCP server "${this.name}" answered POST with HTTP ${status[1]}`;
    return new UpstreamHttpError(message, { status: Number(status[1]), sessionId: ENDPOINT_SESSION, detail: oneLine(status[2] ?? '') || undefined });
  }
}

/**
 * The fetch the SSE transport runs on: undici on the backend's agent (its connect timeout, its sockets), plus
 * the per-request headers of the message being sent. Bodies have no idle timeout: the event stream may be
 * quiet for long, and each request has its own deadline in the transport.
 */
export function createUpstreamFetch(dispatcher: Dispatcher, extraHeaders?: HeadersByBody): FetchLike {
  return ((url: string | URL, init?: RequestInit) => {
    const extra = typeof init?.body === 'string' ? extraHeaders?.get(init.body) : undefined;
    let headers = init?.headers;
    if (extra) {
      const merged = new Headers(headers);
      for (const [name, value] of Object.entries(extra)) merged.set(name, value);
      headers = merged;
    }
    const link = linkSignal(init?.signal ?? undefined);
    const response = undiciFetch(url, { ...init, headers, signal: link.signal, dispatcher } as unknown as Parameters<typeof undiciFetch>[1]);
    return response.then(
      (res) => releaseWhenBodyEnds(res as unknown as Response, link.release),
      (err: unknown) => {
        link.release();
        throw err;
      },
    );
  }) as unknown as FetchLike;
}

/**
 * A signal of this request's own, aborted when `outer` is. The SDK transport passes one connection-wide signal to
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
