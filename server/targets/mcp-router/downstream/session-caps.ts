import { GatewayError, errors, type ErrorDefinition } from '../../../errors/index.js';
import type { RequestInfo } from '../../../pipeline/index.js';

/** The caps on open MCP sessions (design §9: every limit on what one anonymous client can hold is explicit). */
export interface SessionCapsOptions {
  /** Sessions one client identity may hold at once. */
  readonly perClient: number;
  /** Sessions the gateway holds at once, all clients together. */
  readonly total: number;
  /** The refusals when `perClient` / `total` is reached (default: the session ones; listen streams have their own). */
  readonly refusals?: { readonly perClient: ErrorDefinition; readonly total: ErrorDefinition };
}

const SESSION_REFUSALS = { perClient: errors.GW_ERR_MCP_CLIENT_SESSION_LIMIT, total: errors.GW_ERR_MCP_SESSION_LIMIT };

/**
 * Counts open downstream sessions per client identity (`consumer:<name>`, or `ip:<address>` when anonymous) so
 * one client cannot fill the gateway's memory with sessions; refusing happens before any session state exists.
 */
export class SessionCaps {
  private readonly owners = new Map<string, string>();
  private readonly counts = new Map<string, number>();

  constructor(private readonly options: SessionCapsOptions) {}

  /** The refusal for a new session of `client`, or undefined when it may open one. */
  admit(client: string): GatewayError | undefined {
    const held = this.counts.get(client) ?? 0;
    const refusals = this.options.refusals ?? SESSION_REFUSALS;
    if (held >= this.options.perClient) return new GatewayError(refusals.perClient, [client, this.options.perClient]);
    if (this.owners.size >= this.options.total) return new GatewayError(refusals.total, [this.options.total]);
    return undefined;
  }

  /** Counts session `id` against `client`. */
  hold(id: string, client: string): void {
    if (this.owners.has(id)) return;
    this.owners.set(id, client);
    this.counts.set(client, (this.counts.get(client) ?? 0) + 1);
  }

  /** Frees the slot of a session that ended (any reason); unknown ids are ignored. */
  release(id: string): void {
    const client = this.owners.get(id);
    if (client === undefined) return;
    this.owners.delete(id);
    const left = (this.counts.get(client) ?? 1) - 1;
    if (left > 0) this.counts.set(client, left);
    else this.counts.delete(client);
  }
}

/** The identity sessions are counted against: the consumer, else the client address. */
export function clientIdentity(consumer: string | undefined, address: string): string {
  return consumer !== undefined ? `consumer ${consumer}` : `client ${address}`;
}

/** The caller's address: the client behind trusted proxies when there are some, else the socket's peer. */
export function callerAddress(request: RequestInfo): string {
  return request.clientIp ?? request.remoteAddress;
}
