import type { IncomingMessage } from 'node:http';
import type { Transport, TransportSendOptions } from '@modelcontextprotocol/sdk/shared/transport.js';
import type { JSONRPCMessage, JSONRPCNotification, JSONRPCRequest, MessageExtraInfo, RequestId } from '@modelcontextprotocol/sdk/types.js';
import { formatSseEvent, SSE_RESPONSE_HEADERS } from '../../../sse/index.js';
import { consentMessage } from '../consent.js';
import type { GatewayError } from '../../../errors/index.js';
import { errorResponse, isNotification, isRequest, isResponse } from '../json-rpc.js';
import { JsonRpcCode, refusalOf } from '../mcp-errors.js';
import { inputAskedBy } from '../member-retry.js';
import { modernResult, type ModernStamp } from '../modern-results.js';
import type { RouterSession } from '../router-session.js';
import type { ModernMessage } from './era.js';
import { memberInputForClient, type MemberInputSealing } from './member-input.js';

/** The requests a server may answer with an input_required result (mrtr.mdx §Supported Requests). */
export const INPUT_REQUIRED_METHODS: ReadonlySet<string> = new Set(['tools/call', 'resources/read', 'prompts/get']);


/**
 * Where a round's answer is written: the client's HTTP response, or (a retry another replica took) the relay back to
 * it (exchange-relay.ts). A `close` before the answer is the client giving up.
 */
export interface RoundSink {
  writeHead(status: number, headers: Record<string, string>): unknown;
  write(chunk: string): unknown;
  end(chunk: string): unknown;
  once(event: 'close', listener: () => void): unknown;
}

/** One HTTP request of a 2026 client that the call answers: the first, or a retry carrying inputResponses. */
export interface Round {
  readonly res: RoundSink;
  /** This request's JSON-RPC id: its answer carries it (a retry's id differs from the first's, mrtr.mdx). */
  readonly id: RequestId;
  readonly modern: ModernMessage;
}

/** A client request in its router session, as a multi round-trip exchange holds it between rounds. */
export interface HeldCall {
  readonly call: StatelessCall;
  readonly session: RouterSession;
  /** The stateless pool's key for the session (undefined: anonymous, closed when done). */
  readonly key: string | undefined;
  /** Who holds it, for the per-client bound: the consumer, else the client's address. */
  readonly client: string;
  /** Its exchange, once the member asked the client something. */
  exchange?: string;
}

/** How a round ended. */
export type RoundEnd =
  | { readonly kind: 'answered' }
  | { readonly kind: 'cancelled' }
  | {
      readonly kind: 'asked';
      /** The member's server→client requests not answered yet, by key (mrtr.mdx §InputRequests). */
      readonly inputRequests: Record<string, { method: string; params?: unknown }>;
      /** Writes the round's answer (the input_required result). */
      reply(result: Record<string, unknown>): void;
    };

interface Active {
  readonly round: Round;
  readonly resolve: (end: RoundEnd) => void;
  streaming: boolean;
  done: boolean;
}

/**
 * One client request relayed through a router session for a 2026-07-28 client, over one or more rounds. The
 * session answers it (→ the result), or the member asks the client something on its stream (elicitation/create,
 * sampling/createMessage, roots/list): on tools/call, resources/read and prompts/get that ends the round with the
 * member's questions, to be sent as an input_required result, while the member's call stays pending here; the
 * client's retry answers them (`resume`) and waits for the result or the next questions. Notifications the
 * request causes stream (SSE) on the round under way; a closed stream cancels the request.
 */
export class StatelessCall {
  private transport: StatelessTransport | undefined;
  private readonly asked = new Map<string, { id: RequestId; method: string; params?: unknown }>();
  private answer: JSONRPCMessage | undefined;
  private active: Active | undefined;
  private asks = 0;
  private flushing = false;

  /**
   * `request` as the session is sent it (its id is the first round's); `stamp` marks the result; `sealing` wraps a
   * 2026 member's own input_required for the client (member-input.ts).
   */
  constructor(
    private readonly request: JSONRPCRequest,
    private readonly stamp: ModernStamp,
    private readonly sealing: MemberInputSealing,
  ) {}

  /** Connects `session` and sends it the request (which came as `req`); resolves when the first round ends. */
  start(session: RouterSession, round: Round, req: Pick<IncomingMessage, 'headers' | 'url'>): Promise<RoundEnd> {
    const ended = this.run(round);
    const extra: MessageExtraInfo = { requestInfo: { headers: req.headers, url: new URL(req.url ?? '/', 'http://gateway.invalid') } };
    portOf(session).then(
      (port) => {
        this.transport = port;
        port.attach((m, related) => this.take(m, related));
        port.deliver(this.request, extra);
      },
      () => this.end({ kind: 'cancelled' }),
    );
    return ended;
  }

  /**
   * Whether the session can serve its next request: the member's questions were all answered. A question left
   * open (the member answered without waiting for it) is ended only by closing the session (its SDK server fails
   * every pending request), so such a session is not kept.
   */
  get settled(): boolean {
    return this.asked.size === 0;
  }

  /** A retry: the member's questions that `responses` answers get their results; resolves when this round ends. */
  resume(round: Round, responses: Readonly<Record<string, Record<string, unknown>>>): Promise<RoundEnd> {
    for (const [key, result] of Object.entries(responses)) {
      const asked = this.asked.get(key);
      // Keys the member did not ask are ignored (mrtr.mdx §Error Handling).
      if (!asked) continue;
      this.asked.delete(key);
      this.transport?.deliver({ jsonrpc: '2.0', id: asked.id, result });
    }
    return this.run(round);
  }

  /** Tells the session the client gave up on the request (its stream closed, or the exchange expired). */
  cancel(reason: string): void {
    this.transport?.deliver({ jsonrpc: '2.0', method: 'notifications/cancelled', params: { requestId: this.request.id, reason } });
  }

  private run(round: Round): Promise<RoundEnd> {
    return new Promise<RoundEnd>((resolve) => {
      const active: Active = { round, resolve, streaming: false, done: false };
      this.active = active;
      round.res.once('close', () => {
        if (active.done) return;
        // Closing the stream is the cancellation of its request (2026-07-28 streamable-http.mdx §Cancellation).
        this.cancel('the client closed the stream');
        this.end({ kind: 'cancelled' });
      });
      // A retry that left questions unanswered is asked them again (mrtr.mdx §Error Handling).
      this.settle();
    });
  }

  /** Ends the round under way with the answer, or the questions asked so far. */
  private settle(): void {
    const active = this.active;
    if (!active || active.done) return;
    if (this.answer) {
      this.write(active, this.finalAnswer(this.answer as never, active.round));
      this.end({ kind: 'answered' });
    } else if (this.asked.size > 0) {
      const inputRequests = Object.fromEntries([...this.asked].map(([k, a]) => [k, a.params === undefined ? { method: a.method } : { method: a.method, params: a.params }]));
      this.end({ kind: 'asked', inputRequests, reply: (result) => this.write(active, { jsonrpc: '2.0', id: active.round.id, result }) });
    }
  }

  private end(end: RoundEnd): void {
    const active = this.active;
    if (!active || active.done) return;
    active.done = true;
    this.active = undefined;
    active.resolve(end);
  }

  /** What the session sent towards the client. */
  private take(m: JSONRPCMessage, related: RequestId | undefined): void {
    if (isResponse(m)) {
      if (m.id !== this.request.id) return;
      this.answer = m;
      this.settle();
    } else if (isRequest(m)) {
      this.ask(m, related);
    } else if (isNotification(m) && this.active && relates(m, this.active.round.modern)) {
      const active = this.active;
      const out = m.method === 'notifications/progress' ? roundProgress(m, active.round) : m;
      if (!out) return;
      if (!active.streaming) active.round.res.writeHead(200, SSE_RESPONSE_HEADERS);
      active.streaming = true;
      active.round.res.write(formatSseEvent({ event: 'message', data: JSON.stringify(out) }));
    }
  }

  /** A member's server→client request: one of this request's questions, or refused when it cannot be one. */
  private ask(m: JSONRPCRequest, related: RequestId | undefined): void {
    if (related !== this.request.id || !INPUT_REQUIRED_METHODS.has(this.request.method)) {
      // Outside tools/call, resources/read and prompts/get, or caused by no request: no 2026 path reaches the client.
      const error = { code: JsonRpcCode.MethodNotFound, message: `${m.method} cannot reach a 2026-07-28 client outside tools/call, resources/read or prompts/get` };
      queueMicrotask(() => this.transport?.deliver({ jsonrpc: '2.0', id: m.id, error }));
      return;
    }
    // A 2025 member's questions have no keys: `<method>#<n>` (a 2026 member's own input_required is passed through).
    this.asked.set(`${m.method}#${++this.asks}`, { id: m.id, method: m.method, params: m.params });
    // Questions sent together go in one input_required answer: end the round once this burst is read.
    if (this.flushing) return;
    this.flushing = true;
    setImmediate(() => {
      this.flushing = false;
      this.settle();
    });
  }

  private finalAnswer(m: { jsonrpc: '2.0'; result?: Record<string, unknown>; error?: { data?: unknown } }, round: Round): unknown {
    const asker = inputAskedBy(m.result);
    if (asker !== undefined) return this.memberInput(m.result!, asker, round);
    const result = m.result ?? consentInputRequired(this.request, m.error!, round.modern);
    return result ? { jsonrpc: '2.0', id: round.id, result: modernResult(this.request.method, result, this.stamp) } : { ...m, id: round.id };
  }

  /** A 2026 member's own input_required, as the member wrote it but for its requestState, wrapped in agate's. */
  private memberInput(result: Record<string, unknown>, member: string, round: Round): unknown {
    try {
      const passed = memberInputForClient(result, { member, request: this.request }, this.sealing);
      return { jsonrpc: '2.0', id: round.id, result: modernResult(this.request.method, passed, this.stamp) };
    } catch (err) {
      return errorResponse(round.id, refusalOf(JsonRpcCode.InternalError, err as GatewayError, { data: { server: member } }));
    }
  }

  private write(active: Active, body: unknown): void {
    const { res } = active.round;
    if (active.streaming) res.end(formatSseEvent({ event: 'message', data: JSON.stringify(body) }));
    else {
      res.writeHead(statusOf(body), { 'content-type': 'application/json' });
      res.end(JSON.stringify(body));
    }
  }
}

/** The HTTP status of a plain JSON answer: 400 for a missing client capability, else 200 (errors included). */
function statusOf(body: unknown): number {
  // 2026-07-28 basic/index.mdx: "On HTTP, the response status MUST be 400 Bad Request".
  return (body as { error?: { code?: unknown } }).error?.code === JsonRpcCode.MissingRequiredClientCapability ? 400 : 200;
}

/**
 * A token vault's consent refusal (consent.ts) as a 2026-07-28 server asks: an input_required result whose one input
 * request is a URL-mode elicitation with agate's consent link (elicitation.mdx §URL Mode, mrtr.mdx), for clients
 * that declared URL elicitation. No requestState: the retry finds the user's token in the vault, or is asked again.
 */
function consentInputRequired(request: JSONRPCRequest, error: { data?: unknown }, modern: ModernMessage): Record<string, unknown> | undefined {
  const elicitation = modern.clientCapabilities.elicitation as { url?: unknown } | undefined;
  if (!INPUT_REQUIRED_METHODS.has(request.method) || elicitation?.url === undefined) return undefined;
  const data = error.data as { code?: unknown; server?: unknown; url?: unknown } | undefined;
  if (data?.code !== 'GW_ERR_UPSTREAM_CONSENT_REQUIRED' || typeof data.url !== 'string' || typeof data.server !== 'string') return undefined;
  const params = { mode: 'url', url: data.url, message: consentMessage(data.server) };
  return { resultType: 'input_required', inputRequests: { [`agate-consent:${data.server}`]: { method: 'elicitation/create', params } } };
}

/**
 * Progress as the round's request asked for it: the session tells it with the first request's token, but a retry
 * is a request of its own, with its own token or none (mrtr.mdx: the retry and the first are independent requests).
 */
function roundProgress(m: JSONRPCNotification, round: Round): JSONRPCNotification | undefined {
  const meta = (round.modern.message.params as { _meta?: { progressToken?: unknown } } | undefined)?._meta;
  const token = meta?.progressToken;
  if (typeof token !== 'string' && typeof token !== 'number') return undefined;
  return { ...m, params: { ...m.params, progressToken: token } };
}

/** Progress always (the client asked with its token); log messages only when the request set a level (logging.mdx). */
function relates(m: JSONRPCMessage, modern: ModernMessage): boolean {
  const method = (m as { method: string }).method;
  if (method === 'notifications/progress') return true;
  return method === 'notifications/message' && modern.logLevel !== undefined;
}

/**
 * The downstream end of a router session serving 2026 requests: what the session sends goes to the request being
 * served (`attach`), with the request it relates to; `deliver` hands the session a message. The session stays
 * connected to it between requests while the stateless pool keeps the session, so a kept session's next request
 * does not connect the SDK server again (nor close it: closing builds an error for every pending request).
 */
class StatelessTransport implements Transport {
  onmessage?: (message: JSONRPCMessage, extra?: MessageExtraInfo) => void;
  onclose?: () => void;
  onerror?: (error: Error) => void;
  private out: ((message: JSONRPCMessage, related: RequestId | undefined) => void) | undefined;

  async start(): Promise<void> {}

  async send(message: JSONRPCMessage, options?: TransportSendOptions): Promise<void> {
    // Between requests nothing is being served: what the session says then has no one to reach, as on a closed one.
    this.out?.(message, options?.relatedRequestId);
  }

  /** From now on the session's messages go to `out` (the request being served). */
  attach(out: (message: JSONRPCMessage, related: RequestId | undefined) => void): void {
    this.out = out;
  }

  /** The request was served: the session's messages reach no one until the next `attach`. */
  detach(): void {
    this.out = undefined;
  }

  deliver(message: JSONRPCMessage, extra?: MessageExtraInfo): void {
    this.onmessage?.(message, extra);
  }

  async close(): Promise<void> {
    this.onclose?.();
  }
}

/** Each router session's stateless transport, connected on its first 2026 request. */
const ports = new WeakMap<RouterSession, Promise<StatelessTransport>>();

function portOf(session: RouterSession): Promise<StatelessTransport> {
  let port = ports.get(session);
  if (!port) {
    const transport = new StatelessTransport();
    port = session.connect(transport).then(() => transport);
    ports.set(session, port);
  }
  return port;
}

/** Detaches the request a kept session served (stateless-pool.ts keeps it connected for the next one). */
export async function detachServed(session: RouterSession): Promise<void> {
  (await ports.get(session))?.detach();
}
