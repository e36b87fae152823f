import type { Server } from '@modelcontextprotocol/sdk/server/index.js';
import type { RequestHandlerExtra } from '@modelcontextprotocol/sdk/shared/protocol.js';
import type { ServerNotification, ServerRequest } from '@modelcontextprotocol/sdk/types.js';
import type { z } from 'zod';

/** The downstream request being served, as the SDK hands it to a request handler. */
export type DownstreamExtra = RequestHandlerExtra<ServerRequest, ServerNotification>;

/**
 * Where the upstream traffic caused by one downstream request goes: that request's own stream. Upstream
 * requests made for a client request carry it (UpstreamCallOptions.downstream), and what the upstream sends on
 * their answer streams is matched back to it (see UpstreamCalls).
 */
export type DownstreamCall = Pick<DownstreamExtra, 'sendNotification' | 'sendRequest'>;

/** How upstream traffic reaches one downstream session. */
export interface DownstreamRelay {
  /** Sends a notification on the stream of the call that caused it (`call`), else on the session's standalone stream. */
  notify(notification: ServerNotification, call?: DownstreamCall): Promise<void>;
  /** Sends a server-to-client request (sampling, elicitation, roots) the same way and returns the answer. */
  request<S extends z.ZodType>(request: ServerRequest, schema: S, call?: DownstreamCall): Promise<z.infer<S>>;
}

/** The relay of one downstream SDK server. */
export function downstreamRelay(server: Server): DownstreamRelay {
  return {
    async notify(notification, call) {
      if (call) await call.sendNotification(notification);
      else await server.notification(notification);
    },
    request(request, schema, call) {
      // The SDK's generic typing of schemas does not line up across its two entry points; both validate.
      if (call) return call.sendRequest(request, schema as never) as never;
      return server.request(request, schema as never) as never;
    },
  };
}
