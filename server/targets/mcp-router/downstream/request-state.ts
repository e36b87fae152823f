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

/** What a requestState says once opened. */
export interface StateClaims {
  /** The pending exchange, by id, in the memory of replica `replica`. */
  readonly exchange: string;
  /** The round this state answers: spent once a retry takes it. */
  readonly round: string;
  readonly replica: string;
  /** The request it belongs to: method and the name or URI it names. */
  readonly method: string;
  readonly target: string;
  /** Epoch ms when it was issued, and after which it is refused. */
  readonly issued: number;
  readonly expires: number;
}

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

/** agate's states are a few hundred characters; a longer one is not opened (decrypting megabytes would stall the loop). */
const MAX_STATE_CHARS = 2048;

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
  issue(scope: StateScope, claims: Omit<StateClaims, 'replica'>): string {
    return this.seal.seal(boundName(scope), JSON.stringify({ ...claims, replica: this.replica }));
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
    const strings = ['exchange', 'round', 'replica', 'method', 'target'].every((k) => typeof c[k] === 'string');
    return strings && typeof c.expires === 'number' && typeof c.issued === 'number' ? (c as unknown as StateClaims) : undefined;
  } catch {
    return undefined;
  }
}
