import { randomUUID } from 'node:crypto';
import type { JSONRPCRequest } from '@modelcontextprotocol/sdk/types.js';
import { toGatewayError, type GatewayError } from '../../../errors/index.js';
import { openAdmitted } from '../member-policy.js';
import type { RouterSession } from '../router-session.js';
import type { ModernMessage } from './era.js';
import { deliverableChanges, listenFilterOf, type ListenFilter } from './listen-filter.js';
import { ListenStream, type ListenEnd } from './listen-stream.js';
import { callerAddress, clientIdentity } from './session-caps.js';
import { responseOver } from './session-transport.js';
import { initializeForModern } from './modern-session.js';
import { refusal, type McpExchangeContext, type McpTransportDeps } from './transport-deps.js';

/**
 * A 2026-07-28 `subscriptions/listen`: a router session opened for the stream's lifetime under the caller's
 * identity, with the same handlers and per-member policy as every other request. Its members' change
 * notifications, and agate's own tools/list_changed when the registry changes the server, reach the stream
 * through the filter; each requested resource URI is subscribed to as a 2025 session's `resources/subscribe`
 * does (member policy, the member that owns it, URIs as the client sees them), and one that cannot be (no member
 * takes it, or the consumer may not use that member) is left out of the acknowledgement.
 */
export async function serveListen(ctx: McpExchangeContext, deps: McpTransportDeps, modern: ModernMessage): Promise<void> {
  const request = modern.message as JSONRPCRequest;
  let requested: ListenFilter;
  try {
    requested = listenFilterOf(request.params);
  } catch (err) {
    throw refusal(ctx, err as GatewayError, request.id);
  }
  const { listens, router } = deps;
  const address = callerAddress(ctx.request);
  const client = clientIdentity(ctx.consumer?.name, address);
  const refused = listens.caps.admit(client);
  if (refused) throw refusal(ctx, refused, request.id);
  const { res } = ctx.http!;
  const server = ctx.mcp!.server;
  const session = router.open({ id: `listen-${randomUUID()}`, config: server, consumer: ctx.consumer, remoteAddress: address, authorization: ctx.request.headers.authorization });
  const stream = new ListenStream(res, request.id, deps.keepAlive);
  const key = listens.key(server.name, client, request.id);
  const subscribed: string[] = [];
  listens.caps.hold(session.id, client);
  listens.add(key, stream);
  stream.onEnd = (by) => void finish(by);
  const finish = async (by: ListenEnd) => {
    listens.delete(key, stream);
    listens.caps.release(session.id);
    // The client is gone but the session is not: its upstream subscriptions end before its upstream sessions do.
    if (by === 'client') await Promise.all(subscribed.map((uri) => stream.ask('resources/unsubscribe', { uri }, deps.options.connectTimeoutMs)));
    await router.closeSession(session.id, 'listen ended');
  };
  ctx.outcome.settled = responseOver(res);
  // Registered before anything awaits: a registry change or a shutdown reaches it from the start.
  router.add({ session, transport: stream, kind: 'listen' });
  try {
    await session.connect(stream);
    const { stamp, capabilities } = await initialize({ session, stream }, modern, deps);
    const changes = deliverableChanges(requested, capabilities);
    // Members' own list_changed reaches the session only from members it has open: those the consumer may use.
    if (Object.keys(changes).length > 0 && !stream.over) await openAdmitted(session);
    for (const uri of await subscribe(stream, requested.resourceSubscriptions ?? [], deps.options.connectTimeoutMs)) subscribed.push(uri);
    stream.open(subscribed.length > 0 ? { ...changes, resourceSubscriptions: subscribed } : changes, stamp);
  } catch (err) {
    const gone = stream.over;
    await router.closeSession(session.id, 'listen failed');
    // A client already gone has nobody to tell; otherwise the ingress renders the failure (no byte was sent yet).
    if (!gone) throw refusal(ctx, toGatewayError(err), request.id);
  }
}

/** The session initialized as the listen's client declared itself; what its results are stamped with, and what it offers. */
async function initialize(opened: { session: RouterSession; stream: ListenStream }, modern: ModernMessage, deps: McpTransportDeps) {
  const { session, stream } = opened;
  const { init, stamp } = await initializeForModern(session, modern, deps.router);
  // An initialized session is one agate tells of tool changes (RouterSession.sendToolListChanged).
  stream.deliver({ jsonrpc: '2.0', method: 'notifications/initialized' });
  return { stamp, capabilities: init.capabilities };
}

/** The URIs of `uris` the session subscribed to, in the client's order (each a resources/subscribe of its own). */
async function subscribe(stream: ListenStream, uris: readonly string[], timeoutMs: number): Promise<string[]> {
  if (stream.over || uris.length === 0) return [];
  const results = await Promise.all(uris.map((uri) => stream.ask('resources/subscribe', { uri }, timeoutMs)));
  return uris.filter((_, i) => results[i]);
}
