import { randomUUID } from 'node:crypto';
import type { ClientCapabilities, JSONRPCMessage, JSONRPCRequest, JSONRPCResponse, RequestId } from '@modelcontextprotocol/sdk/types.js';
import type { ErrorCode } from '../../../errors/index.js';
import type { UpstreamMessageExtra } from '../backend.js';
import { errorResponse, isObject } from '../json-rpc.js';
import { JsonRpcCode, protocolError } from '../mcp-errors.js';
import { INPUT_FROM_META } from '../modern-protocol.js';

/** The requests a member may answer with `input_required` (mrtr.mdx §Supported Requests). */
const MRTR_METHODS: ReadonlySet<string> = new Set(['tools/call', 'resources/read', 'prompts/get']);

/**
 * Rounds of input one request may take: the member is retried this many times, and its next `input_required` is
 * refused. A member may ask again on purpose (mrtr.mdx: "repeatedly prompt the user"), so the bound is generous;
 * the v2 SDK's own 2025-client shim stops at the same count.
 */
export const MAX_INPUT_ROUNDS = 8;

/** Input requests one round may carry: each becomes a request to the client, so a member cannot flood it. */
export const MAX_INPUT_REQUESTS = 32;

/** A request in flight towards the member, and the MRTR exchange it may have become. */
interface Exchange {
  /** The request as the router's client sent it (its id is the one the router waits an answer for). */
  readonly request: JSONRPCRequest;
  /** The id of the attempt in flight at the member: the request's own, then each retry's. */
  attempt: RequestId | undefined;
  /** Rounds of input bridged so far. */
  rounds: number;
  /** Questions to the client not yet answered: their id → the member's `inputRequests` key. */
  readonly questions: Map<RequestId, string>;
  /** The client's answers of this round, by the member's keys. */
  answers: Record<string, unknown>;
  /** Whether this round asked anything (else the retry carries no `inputResponses`). */
  asked: boolean;
  /** The member's `requestState` of this round, echoed verbatim (mrtr.mdx §Client Requirements 2). */
  requestState: string | undefined;
}

/** How an exchange ends in error: a catalogue code, its message arguments, more `data` for the client. */
interface Refusal {
  readonly code: ErrorCode;
  readonly args: unknown[];
  readonly data?: Record<string, unknown>;
}

/** What the exchanges need from the transport they live in (ModernUpstream). */
export interface ExchangeHost {
  /** The member's name, in errors. */
  readonly member: string;
  /** The client's capabilities, from its initialize: what the member may ask for. */
  clientCapabilities(): ClientCapabilities;
  /**
   * Whether the router's client serves a 2026-07-28 client, which gets the member's `input_required` as it is
   * (marked with INPUT_FROM_META; downstream/member-input.ts) instead of server→client requests.
   */
  readonly passInputOn: boolean;
  /** Hands a message to the router's client as if the member had sent it. */
  deliver(message: JSONRPCMessage, extra?: UpstreamMessageExtra): void;
  /** Sends a request (a retry) or a cancellation to the member. */
  send(message: JSONRPCMessage): Promise<void>;
}

/**
 * The 2025 side of MRTR (2026-07-28 basic/patterns/mrtr.mdx) for one modern upstream, i.e. one downstream session:
 * a member's `input_required` answer to request X becomes server→client requests sent during X (`relatedRequestId`
 * X, so they reach the stream of the client request behind X, as a 2025 member's would), with ids of their own;
 * once the client answered them all, X is retried with `inputResponses` (keyed as the member keyed its
 * `inputRequests`) and the member's `requestState`, under a new id. The router above sees X answered once.
 *
 * Every id lives in this instance: answers and member messages it does not know are not this exchange's.
 */
export class InputExchanges {
  /** Requests in flight, by the id the router's client sent them with. */
  private readonly exchanges = new Map<RequestId, Exchange>();
  /** Retries in flight: their id → the request they retry. */
  private readonly retries = new Map<RequestId, RequestId>();
  /** Questions to the client in flight: their id → the request they were asked for. */
  private readonly asking = new Map<RequestId, RequestId>();
  private ids = 0;

  constructor(private readonly host: ExchangeHost) {}

  /** A request sent to the member as itself (its answer may start an exchange). */
  track(request: JSONRPCRequest): void {
    this.exchanges.set(request.id, { request, attempt: request.id, rounds: 0, questions: new Map(), answers: {}, asked: false, requestState: undefined });
  }

  /** The request was not sent after all. */
  untrack(id: RequestId): void {
    this.end(id);
  }

  /**
   * The router-side id of a member message's id: a retry's stands for the request it retries; undefined for an
   * answer to an attempt that is no longer the one in flight (a stale one, dropped).
   */
  originOf(id: RequestId): RequestId | undefined {
    const retried = this.retries.get(id);
    if (retried !== undefined) return retried;
    const exchange = this.exchanges.get(id);
    return exchange && exchange.attempt !== id ? undefined : id;
  }

  /** The member answered request `id` (its router-side id) with anything but `input_required`: the exchange ends. */
  finished(id: RequestId): void {
    this.end(id);
  }

  /** The member answered request `id` (router-side) with `input_required`: asks the client, or fails the request. */
  inputRequired(id: RequestId, result: Record<string, unknown>): void {
    const exchange = this.exchanges.get(id);
    if (!exchange) return;
    if (exchange.attempt !== undefined && exchange.attempt !== id) this.retries.delete(exchange.attempt);
    exchange.attempt = undefined;
    const unbridgeable = this.unbridgeable(exchange, result);
    if (unbridgeable) return this.fail(exchange, { code: 'GW_ERR_MCP_MEMBER_INPUT_REQUIRED', args: [this.host.member, exchange.request.method, unbridgeable] });
    if (this.host.passInputOn) return this.passOn(exchange, result);
    if (exchange.rounds >= MAX_INPUT_ROUNDS) return this.fail(exchange, { code: 'GW_ERR_MCP_INPUT_ROUNDS_EXCEEDED', args: [this.host.member, exchange.request.method, MAX_INPUT_ROUNDS] });
    exchange.rounds++;
    exchange.requestState = typeof result.requestState === 'string' ? result.requestState : undefined;
    exchange.answers = {};
    const requests = Object.entries((result.inputRequests ?? {}) as Record<string, { method: string; params?: Record<string, unknown> }>);
    exchange.asked = requests.length > 0;
    // requestState alone (mrtr.mdx: "the client MAY retry the original request immediately").
    if (!exchange.asked) return this.retry(exchange);
    // All are registered before any is asked: an answer may come back within `deliver` (a client without a
    // handler answers at once), and the round is complete only when every question has one.
    const questions = requests.map(([key, input]) => ({ id: `agate-input-${++this.ids}`, key, input }));
    for (const question of questions) {
      exchange.questions.set(question.id, question.key);
      this.asking.set(question.id, id);
    }
    for (const { id: question, input } of questions) {
      if (!exchange.questions.has(question)) continue; // the exchange ended meanwhile
      this.host.deliver({ jsonrpc: '2.0', id: question, method: input.method, params: asked(input) }, { relatedRequestId: id });
    }
  }

  /**
   * The router's client answered a question (its answer from the downstream client); false when it is no
   * question of a request in flight here (dropped). An error answer ends the request with it: the member is not
   * retried (sampling.mdx, roots.mdx §Error Handling: the server waits for nothing).
   */
  answered(answer: JSONRPCResponse): boolean {
    const question = answer.id;
    const id = question === undefined ? undefined : this.asking.get(question);
    const exchange = id === undefined ? undefined : this.exchanges.get(id);
    const key = exchange?.questions.get(question!);
    if (!exchange || key === undefined) return false;
    this.asking.delete(question!);
    exchange.questions.delete(question!);
    if ('error' in answer) {
      const { code, message } = answer.error as { code: number; message: string };
      this.fail(exchange, { code: 'GW_ERR_MCP_INPUT_FAILED', args: [this.host.member, key, message], data: { input: key, error: { code, message } } });
    } else {
      exchange.answers[key] = answer.result;
      if (exchange.questions.size === 0) this.retry(exchange);
    }
    return true;
  }

  /**
   * The router's client cancelled request `id` (router-side): the exchange is abandoned. Returns the id to tell the
   * member about (the attempt it is working on), or undefined when it works on nothing (the client was being asked).
   */
  cancelled(id: RequestId): RequestId | undefined {
    const exchange = this.exchanges.get(id);
    if (!exchange) return id;
    const attempt = exchange.attempt;
    this.end(id, 'the request they were for was cancelled');
    return attempt;
  }

  /** The connection closed: nothing is in flight any more. */
  clear(): void {
    this.exchanges.clear();
    this.retries.clear();
    this.asking.clear();
  }

  /** Why `result` cannot be bridged for `exchange`, if it cannot (mrtr.mdx §Server Requirements). */
  private unbridgeable(exchange: Exchange, result: Record<string, unknown>): string | undefined {
    if (!MRTR_METHODS.has(exchange.request.method)) return `${exchange.request.method} takes no input_required (only ${[...MRTR_METHODS].join(', ')} do)`;
    const { inputRequests, requestState } = result;
    if (requestState !== undefined && typeof requestState !== 'string') return 'its requestState is not a string';
    if (inputRequests !== undefined && !isObject(inputRequests)) return 'its inputRequests is not an object';
    const entries = Object.entries(inputRequests ?? {});
    if (entries.length === 0 && requestState === undefined) return 'it has neither inputRequests nor requestState';
    if (entries.length > MAX_INPUT_REQUESTS) return `it asks ${entries.length} inputs at once (at most ${MAX_INPUT_REQUESTS})`;
    const declared = this.host.clientCapabilities();
    for (const [key, input] of entries) {
      const needs = isObject(input) ? requiredCapability(input) : undefined;
      if (needs === undefined) return `input "${key}" is not an elicitation/create, sampling/createMessage or roots/list request`;
      if (!declares(declared, needs)) return `input "${key}" (${String((input as { method: unknown }).method)}) needs the client capability ${needs.join('.')}, which the client did not declare`;
    }
    return undefined;
  }

  /**
   * Ends the exchange with the member's `input_required` as the request's answer, marked with the member's name:
   * a 2026 client answers it itself and retries through agate as a new request (no round is bridged here).
   */
  private passOn(exchange: Exchange, result: Record<string, unknown>): void {
    const id = exchange.request.id;
    this.end(id);
    const meta = { ...(isObject(result._meta) ? result._meta : {}), [INPUT_FROM_META]: this.host.member };
    this.host.deliver({ jsonrpc: '2.0', id, result: { ...result, _meta: meta } });
  }

  /** Sends the request again with this round's answers and the member's state, under a new id. */
  private retry(exchange: Exchange): void {
    const id = exchange.request.id;
    const attempt = `agate-retry-${++this.ids}`;
    exchange.attempt = attempt;
    this.retries.set(attempt, id);
    const params: Record<string, unknown> = { ...exchange.request.params };
    if (exchange.asked) params.inputResponses = exchange.answers;
    // "If the InputRequiredResult does not contain a requestState field, the client MUST NOT include one."
    if (exchange.requestState !== undefined) params.requestState = exchange.requestState;
    this.host.send({ jsonrpc: '2.0', id: attempt, method: exchange.request.method, params }).catch(() => {
      if (exchange.attempt === attempt) this.fail(exchange, { code: 'GW_ERR_MCP_BACKEND_FAILED', args: [this.host.member] });
    });
  }

  /** Ends the exchange with a catalogue error for the router's client; questions still open are withdrawn. */
  private fail(exchange: Exchange, refusal: Refusal): void {
    const { code, args, data } = refusal;
    const id = exchange.request.id;
    this.end(id, 'the request they were for failed');
    const err = protocolError(JsonRpcCode.InternalError, code, args);
    const response = errorResponse(id, err) as Extract<JSONRPCResponse, { error: unknown }>;
    this.host.deliver({ ...response, error: { ...response.error, data: { ...(err.data as object), server: this.host.member, ...data } } });
  }

  /**
   * Forgets request `id` and its exchange. Questions still open are withdrawn (`withdrawn` says why), as a 2025
   * member would: the router's client stops its handlers of them (cancellation.mdx); a late answer finds nothing.
   */
  private end(id: RequestId, withdrawn?: string): void {
    const exchange = this.exchanges.get(id);
    if (!exchange) return;
    this.exchanges.delete(id);
    if (exchange.attempt !== undefined && exchange.attempt !== id) this.retries.delete(exchange.attempt);
    for (const question of exchange.questions.keys()) {
      this.asking.delete(question);
      if (withdrawn) this.host.deliver({ jsonrpc: '2.0', method: 'notifications/cancelled', params: { requestId: question, reason: withdrawn } });
    }
    exchange.questions.clear();
  }
}

/**
 * The capability an input request needs, as a path into ClientCapabilities (mode-aware where the capability is,
 * as the v2 SDK checks it): undefined for what is no input request of 2026-07-28.
 */
function requiredCapability(input: Record<string, unknown>): string[] | undefined {
  const params = isObject(input.params) ? input.params : undefined;
  if (input.method === 'roots/list') return ['roots'];
  if (!params) return undefined;
  if (input.method === 'sampling/createMessage') return params.tools !== undefined || params.toolChoice !== undefined ? ['sampling', 'tools'] : ['sampling'];
  if (input.method === 'elicitation/create') return params.mode === 'url' ? ['elicitation', 'url'] : ['elicitation', 'form'];
  return undefined;
}

/** Whether the client declared `needs`; a bare `elicitation: {}` declares form mode (2025-11-25 client/elicitation.mdx). */
function declares(declared: ClientCapabilities, needs: string[]): boolean {
  const [capability, mode] = needs as [string, string | undefined];
  const value = (declared as Record<string, unknown>)[capability];
  if (!isObject(value)) return false;
  if (mode === undefined) return true;
  if (value[mode] !== undefined) return true;
  return capability === 'elicitation' && mode === 'form' && value.url === undefined;
}

/** An input request's params as a 2025 server sends them (URL mode there names its elicitation, 2025-11-25). */
function asked(input: { method: string; params?: Record<string, unknown> }): Record<string, unknown> {
  const params: Record<string, unknown> = { ...input.params };
  if (input.method === 'elicitation/create' && params.mode === 'url' && params.elicitationId === undefined) return { ...params, elicitationId: randomUUID() };
  return params;
}
