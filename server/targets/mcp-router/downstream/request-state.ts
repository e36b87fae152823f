import { randomUUID } from 'node:crypto';
import type { JSONRPCRequest } from '@modelcontextprotocol/sdk/types.js';
import { GatewayError, errors } from '../../../errors/index.js';
import { isObject } from '../json-rpc.js';
import { SessionSeal, type SealingBox } from './session-seal.js';

// The requestState agate hands a 2026-07-28 client with an input_required result (basic/patterns/mrtr.mdx):
// attacker-controlled on its way back, so it is sealed (AES-256-GCM, the session store's SessionSeal) with the
// principal and the server bound as associated data, and carries its expiry, the request it belongs to and the
// exchange (and round) it continues (mrtr.mdx §Server Requirements 4–5). Single use is enforced in memory
// (pending-inputs.ts): each round's state names a round token that is spent when a retry takes it.
// A 2026 member's own input_required, passed through to a 2026 client (member-input.ts), gets a state of the
// other kind: it names the member and carries the member's requestState, and no exchange is held anywhere.

/** What every requestState says: the request it belongs to and how long it is good for. */
interface ClaimsOfRequest {
  /** The request it belongs to: method and the name or URI it names (as the client named it). */
  readonly method: string;
  readonly target: string;
  /** Epoch ms when it was issued, and after which it is refused. */
  readonly issued: number;
  readonly expires: number;
}

/** A state continuing an exchange this gateway holds (a member's questions put in agate's own rounds). */
export interface ExchangeClaims extends ClaimsOfRequest {
  readonly kind?: undefined;
  /** The pending exchange, by id, in the memory of replica `replica`. */
  readonly exchange: string;
  /** The round this state answers: spent once a retry takes it. */
  readonly round: string;
  readonly replica: string;
}

/** A state wrapping a 2026 member's own input_required: the retry is sent to `member` as a new request. */
export interface MemberClaims extends ClaimsOfRequest {
  readonly kind: 'member';
  /** The member (server name) that asked: the retry must reach it again. */
  readonly member: string;
  /** The member's own requestState, absent when it sent none. */
  readonly state?: string;
}

/** What a requestState says once opened. */
export type StateClaims = ExchangeClaims | MemberClaims;

/** Who a state is for: the consumer (anonymous: empty) on one MCP server. */
export interface StateScope {
  readonly server: string;
  readonly consumer: string | undefined;
}

/** The continuation params of a retry, checked for shape (mrtr.mdx §InputResponses). */
export interface Continuation {
  readonly inputResponses?: Readonly<Record<string, Record<string, unknown>>>;
  readonly requestState?: string;
}

/**
 * The longest member requestState agate wraps, in characters as JSON (64 KiB): a member cannot make agate issue
 * (and later decrypt) huge tokens.
 */
export const MAX_MEMBER_STATE_CHARS = 64 * 1024;

/**
 * The longest state opened: one wrapping the longest member state, sealed (base64 of it plus the claims). A longer
 * one is not one of ours and is not decrypted (decrypting megabytes would stall the loop).
 */
const MAX_STATE_CHARS = 96 * 1024;

/** Seals and opens the requestStates of one replica. */
export class RequestStates {
  private sealing: SessionSeal | undefined;
  /**
   * `box` is asked for on first use: the registry's key is loaded (or made) only once a state is needed. `replica`
   * names this process: a state issued by another replica (or before a restart) names an exchange not held here.
   */
  constructor(
    private readonly box: () => SealingBox,
    readonly replica: string = randomUUID(),
  ) {}

  private get seal(): SessionSeal {
    this.sealing ??= new SessionSeal(this.box());
    return this.sealing;
  }

  /** A sealed state for `claims` (replica filled in), bound to `scope`. */
  issue(scope: StateScope, claims: Omit<ExchangeClaims, 'replica'>): string {
    return this.seal.seal(boundName(scope), JSON.stringify({ ...claims, replica: this.replica }));
  }

  /**
   * A sealed state wrapping member `claims.member`'s own requestState, bound to `scope`; throws the catalogue
   * refusal when the member's state is longer than MAX_MEMBER_STATE_CHARS.
   */
  issueForMember(scope: StateScope, claims: Omit<MemberClaims, 'kind'>): string {
    const size = claims.state === undefined ? 0 : JSON.stringify(claims.state).length;
    if (size > MAX_MEMBER_STATE_CHARS) throw new GatewayError(errors.GW_ERR_MCP_MEMBER_STATE_TOO_LARGE, [claims.member, size, MAX_MEMBER_STATE_CHARS]);
    return this.seal.seal(boundName(scope), JSON.stringify({ kind: 'member', ...claims }));
  }

  /**
   * The claims of `text` presented on `request` by `scope`; throws the catalogue refusal when it is not one of
   * this gateway's for that consumer and server (forged, tampered, another consumer's), not for this request, or expired.
   */
  open(scope: StateScope, text: string, request: JSONRPCRequest): StateClaims {
    const plain = text.length > MAX_STATE_CHARS ? undefined : this.seal.open(boundName(scope), text);
    const claims = plain === undefined ? undefined : parseClaims(plain);
    if (!claims) throw new GatewayError(errors.GW_ERR_MCP_REQUEST_STATE_INVALID, ['was not issued by this gateway for this consumer and MCP server (forged, tampered with, or another consumer’s)']);
    if (claims.method !== request.method || claims.target !== targetOf(request)) {
      throw new GatewayError(errors.GW_ERR_MCP_REQUEST_STATE_INVALID, [`belongs to another request (${claims.method} ${claims.target}), not this ${request.method}`]);
    }
    if (Date.now() > claims.expires) throw new GatewayError(errors.GW_ERR_MCP_REQUEST_STATE_EXPIRED, [claims.expires - claims.issued]);
    return claims;
  }
}

/** The name or URI a request names: what binds a state to its request besides the method. */
export function targetOf(request: JSONRPCRequest): string {
  const params = request.params as { name?: unknown; uri?: unknown } | undefined;
  const target = request.method === 'resources/read' ? params?.uri : params?.name;
  return typeof target === 'string' ? target : '';
}

/**
 * The retry's `inputResponses` and `requestState`, checked: a requestState that is not a string, or inputResponses
 * that are not an object of objects, is refused naming the field.
 */
export function continuationOf(request: JSONRPCRequest): Continuation {
  const params = request.params as { inputResponses?: unknown; requestState?: unknown } | undefined;
  const { inputResponses, requestState } = params ?? {};
  if (requestState !== undefined && typeof requestState !== 'string') throw new GatewayError(errors.GW_ERR_MCP_REQUEST_STATE_INVALID, ['must be a string']);
  if (inputResponses !== undefined) {
    if (!isObject(inputResponses)) throw new GatewayError(errors.GW_ERR_MCP_INVALID_PARAMS, [`${request.method}: params.inputResponses must be an object`]);
    const bad = Object.keys(inputResponses).find((k) => !isObject(inputResponses[k]));
    if (bad !== undefined) throw new GatewayError(errors.GW_ERR_MCP_INVALID_PARAMS, [`${request.method}: params.inputResponses.${bad} must be an object (the result of that input request)`]);
  }
  return { inputResponses: inputResponses as Continuation['inputResponses'], requestState };
}

/** The associated data a state is sealed under: who may present it, where. */
function boundName(scope: StateScope): string {
  return JSON.stringify(['agate mrtr requestState v1', scope.server, scope.consumer ?? '']);
}

function parseClaims(plain: string): StateClaims | undefined {
  try {
    const c = JSON.parse(plain) as Record<string, unknown>;
    const fields = c.kind === 'member' ? ['member', 'method', 'target'] : ['exchange', 'round', 'replica', 'method', 'target'];
    const strings = fields.every((k) => typeof c[k] === 'string') && (c.state === undefined || typeof c.state === 'string');
    return strings && typeof c.expires === 'number' && typeof c.issued === 'number' ? (c as unknown as StateClaims) : undefined;
  } catch {
    return undefined;
  }
}
