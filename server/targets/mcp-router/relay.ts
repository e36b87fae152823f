import { AsyncLocalStorage } from 'node:async_hooks';
import type { Server } from '@modelcontextprotocol/sdk/server/index.js';
import type { RequestHandlerExtra } from '@modelcontextprotocol/sdk/shared/protocol.js';
import type { RequestOptions } from '@modelcontextprotocol/sdk/shared/protocol.js';
import type { ServerNotification, ServerRequest } from '@modelcontextprotocol/sdk/types.js';
import type { z } from 'zod';

/** The downstream request being served, as the SDK hands it to a request handler. */
export type DownstreamExtra = RequestHandlerExtra<ServerRequest, ServerNotification>;

/** Where the upstream traffic caused by one downstream request goes: that request's own stream. */
export type DownstreamCall = Pick<DownstreamExtra, 'sendNotification' | 'sendRequest'>;

// The async chain downstream request → its upstream request (UpstreamCalls or the SDK client) → backend →
// backend's own sampling request → our client's handler keeps this context, so a server-to-client request reaches the downstream session
// *and stream* of the call that caused it, over every transport, without rewriting ids or _meta.
const downstreamRequest = new AsyncLocalStorage<DownstreamCall>();

/** Runs `fn` (which sends a request upstream) on behalf of the downstream request `call`. */
export function onBehalfOf<T>(call: DownstreamCall, fn: () => T): T {
  return downstreamRequest.run(call, fn);
}

/**
 * Runs `fn` outside any downstream request. An upstream session opened on a request's behalf is the session's,
 * not the request's: what it sets up (streams, timers) must not relay to that request's stream once it ended.
 */
export function detached<T>(fn: () => T): T {
  return downstreamRequest.exit(fn);
}

/** How upstream traffic reaches one downstream session. */
export interface DownstreamRelay {
  /** Sends a notification on the stream of the call that caused it, else on the session's standalone stream. */
  notify(notification: ServerNotification): Promise<void>;
  /** Sends a server-to-client request (sampling, elicitation, roots) the same way and returns the answer. */
  request<S extends z.ZodType>(request: ServerRequest, schema: S, options?: RequestOptions): Promise<z.infer<S>>;
}

/** The relay of one downstream SDK server. */
export function downstreamRelay(server: Server): DownstreamRelay {
  return {
    async notify(notification) {
      const call = downstreamRequest.getStore();
      if (call) await call.sendNotification(notification);
      else await server.notification(notification);
    },
    request(request, schema, options) {
      const call = downstreamRequest.getStore();
      // The SDK's generic typing of schemas does not line up across its two entry points; both validate.
      if (call) return call.sendRequest(request, schema as never, options) as never;
      return server.request(request, schema as never, options) as never;
    },
  };
}
