import { randomBytes } from 'node:crypto';

/** Whose consent a link asks for: the consumer, the MCP server, and whom to tell once it is given. */
export interface ConsentSubject {
  readonly consumer: string;
  readonly server: string;
  /** The URL elicitation's id (2025-11-25 `elicitationId`), echoed by `notifications/elicitation/complete`. */
  readonly elicitationId: string;
  /** The MCP session that asked: told once the tokens are stored, on whichever replica holds it. */
  readonly session?: string;
  /** The session's client declared URL elicitation: it is sent `notifications/elicitation/complete`. */
  readonly notify?: boolean;
}

/** A started authorization request: the subject plus the PKCE verifier and the redirect URI sent with it. */
export interface ConsentFlow extends ConsentSubject {
  readonly verifier: string;
  readonly redirectUri: string;
}

/**
 * Single-use, short-lived, unguessable states of the vault's consent flow, in two steps: the link handed to the
 * client (`/oauth/vault/start?state=…`) and, once opened, the `state` of the authorization request (RFC 6749 §10.12),
 * a fresh one, so the link the client saw is not the state the callback accepts. Each is taken once, on any
 * replica that shares the store. A store that cannot answer rejects with {@link ConsentStoreUnavailableError}.
 */
export interface ConsentStateStore {
  /** A new link token for `subject`. */
  link(subject: ConsentSubject): Promise<string>;
  /** Takes the link token (once); undefined when unknown, used or expired. */
  takeLink(token: string): Promise<ConsentSubject | undefined>;
  /** A new authorization-request state for `flow`. */
  flow(flow: ConsentFlow): Promise<string>;
  /** Takes the authorization-request state (once); undefined when unknown, used or expired. */
  takeFlow(state: string): Promise<ConsentFlow | undefined>;
}

/** The shared consent store (Redis) did not answer within its deadline: the link or state cannot be used now. */
export class ConsentStoreUnavailableError extends Error {
  override name = 'ConsentStoreUnavailableError';
}

/** How long a consent link, and then an authorization request, stay usable. */
export const CONSENT_TTL_MS = 10 * 60_000;
/** Most links (and flows) waiting per consumer (a client retrying in a loop replaces its oldest), and in all. */
export const CONSENT_LIMITS = Object.freeze({ perConsumer: 16, total: 10_000 });

/** A random, unguessable token (256 bits, base64url). */
export const randomToken = (): string => randomBytes(32).toString('base64url');

interface Held<T> {
  readonly value: T;
  readonly expiresAt: number;
}

/** The states in this process's memory: one gateway (no `--redis`) opens and completes every link itself. */
export class LocalConsentStates implements ConsentStateStore {
  private readonly links = new Map<string, Held<ConsentSubject>>();
  private readonly flows = new Map<string, Held<ConsentFlow>>();

  constructor(private readonly now: () => number = Date.now) {}

  async link(subject: ConsentSubject): Promise<string> {
    return this.hold(this.links, subject);
  }

  async takeLink(token: string): Promise<ConsentSubject | undefined> {
    return this.take(this.links, token);
  }

  async flow(flow: ConsentFlow): Promise<string> {
    return this.hold(this.flows, flow);
  }

  async takeFlow(state: string): Promise<ConsentFlow | undefined> {
    return this.take(this.flows, state);
  }

  private hold<T extends ConsentSubject>(map: Map<string, Held<T>>, value: T): string {
    const at = this.now();
    for (const [k, v] of map) if (v.expiresAt <= at) map.delete(k);
    const mine = [...map].filter(([, v]) => v.value.consumer === value.consumer);
    if (mine.length >= CONSENT_LIMITS.perConsumer) map.delete(mine[0]![0]);
    if (map.size >= CONSENT_LIMITS.total) map.delete(map.keys().next().value!);
    const token = randomToken();
    map.set(token, { value, expiresAt: at + CONSENT_TTL_MS });
    return token;
  }

  private take<T>(map: Map<string, Held<T>>, token: string): T | undefined {
    const held = map.get(token);
    if (!held) return undefined;
    map.delete(token);
    return held.expiresAt > this.now() ? held.value : undefined;
  }
}
