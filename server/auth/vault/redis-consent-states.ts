import { createHash } from 'node:crypto';
import type { Redis } from 'ioredis';
import { withDeadline, type RedisConnection } from '../../shared-state/index.js';
import { SessionSeal, type SealingBox } from '../../targets/mcp-router/downstream/session-seal.js';
import { CONSENT_LIMITS, CONSENT_TTL_MS, ConsentStoreUnavailableError, randomToken, type ConsentFlow, type ConsentStateStore, type ConsentSubject } from './consent-states.js';

// One hash tag for every consent key: the scripts touch several of them, which Redis Cluster allows on one slot only.
const PREFIX = 'agate:vault:{consent}:';

// Holds a state: drops lapsed entries from the consumer's and the overall index, makes room (the consumer's oldest,
// then the overall oldest), then stores it with its expiry. Atomic, so two replicas never both take the last slot.
// KEYS: the state, the consumer's index, the overall index. ARGV: now, ttl, value, per-consumer cap, overall cap.
const HOLD = `
local now, ttl = tonumber(ARGV[1]), tonumber(ARGV[2])
redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', now)
redis.call('ZREMRANGEBYSCORE', KEYS[3], '-inf', now)
if redis.call('ZCARD', KEYS[2]) >= tonumber(ARGV[4]) then
  local oldest = redis.call('ZPOPMIN', KEYS[2])
  redis.call('DEL', oldest[1])
  redis.call('ZREM', KEYS[3], oldest[1])
end
if redis.call('ZCARD', KEYS[3]) >= tonumber(ARGV[5]) then
  redis.call('DEL', redis.call('ZPOPMIN', KEYS[3])[1])
end
redis.call('SET', KEYS[1], ARGV[3], 'PX', ttl)
for i = 2, 3 do
  redis.call('ZADD', KEYS[i], now + ttl, KEYS[1])
  redis.call('PEXPIRE', KEYS[i], ttl)
end`;

// Takes a state once (GETDEL) and drops it from both indexes. KEYS: the state, the overall index. ARGV: the indexes' prefix.
const TAKE = `
local value = redis.call('GETDEL', KEYS[1])
if not value then return false end
redis.call('ZREM', KEYS[2], KEYS[1])
redis.call('ZREM', ARGV[1] .. 'by:' .. cjson.decode(value).consumer, KEYS[1])
return value`;

interface Scripts {
  agateConsentHold(state: string, mine: string, all: string, now: number, ttl: number, value: string, perConsumer: number, total: number): Promise<null>;
  agateConsentTake(state: string, all: string, prefix: string): Promise<string | null>;
}

/** What the Redis store runs on. */
export interface RedisConsentStatesOptions {
  readonly connection: RedisConnection;
  /** Seals each flow's PKCE verifier: whoever reads Redis cannot redeem a code with it. */
  readonly box: SealingBox;
  readonly now?: () => number;
}

/**
 * The consent states in Redis, for replicas behind a load balancer: the browser opening a link, and the
 * authorization server's redirect, reach any replica. Keys are SHA-256 hashes of the tokens (Redis never holds a
 * usable link or state); values are JSON with their expiry, the PKCE verifier sealed under the state's key name.
 * Every command has the connection's short deadline: a Redis that is down or hung is a ConsentStoreUnavailableError.
 */
export class RedisConsentStates implements ConsentStateStore {
  private readonly client: Redis & Scripts;
  private readonly seal: SessionSeal;
  private readonly now: () => number;

  constructor(private readonly options: RedisConsentStatesOptions) {
    const client = options.connection.client;
    client.defineCommand('agateConsentHold', { numberOfKeys: 3, lua: HOLD });
    client.defineCommand('agateConsentTake', { numberOfKeys: 2, lua: TAKE });
    this.client = client as Redis & Scripts;
    this.seal = new SessionSeal(options.box);
    this.now = options.now ?? Date.now;
  }

  link(subject: ConsentSubject): Promise<string> {
    return this.hold('link', { ...subject });
  }

  takeLink(token: string): Promise<ConsentSubject | undefined> {
    return this.take<ConsentSubject>('link', token);
  }

  flow(flow: ConsentFlow): Promise<string> {
    const token = randomToken();
    const verifier = this.seal.seal(keyOf('flow', token), flow.verifier);
    return this.hold('flow', { ...flow, verifier }, token);
  }

  async takeFlow(state: string): Promise<ConsentFlow | undefined> {
    const flow = await this.take<ConsentFlow>('flow', state);
    if (!flow) return undefined;
    const verifier = this.seal.open(keyOf('flow', state), flow.verifier);
    // Sealed under another key (or tampered with): a state this gateway cannot finish is as good as none.
    return verifier === undefined ? undefined : { ...flow, verifier };
  }

  private async hold(kind: Kind, value: ConsentSubject | ConsentFlow, token = randomToken()): Promise<string> {
    const now = this.now();
    const body = JSON.stringify({ ...value, expiresAt: now + CONSENT_TTL_MS });
    const index = indexOf(kind);
    await this.ask(this.client.agateConsentHold(keyOf(kind, token), `${index}by:${value.consumer}`, `${index}all`, now, CONSENT_TTL_MS, body, CONSENT_LIMITS.perConsumer, CONSENT_LIMITS.total), `store a consent ${kind}`);
    return token;
  }

  private async take<T extends ConsentSubject>(kind: Kind, token: string): Promise<T | undefined> {
    // Not one of ours (randomToken's shape): refused without a round trip, so forged states cost Redis nothing.
    if (!TOKEN_SHAPE.test(token)) return undefined;
    const text = await this.ask(this.client.agateConsentTake(keyOf(kind, token), `${indexOf(kind)}all`, indexOf(kind)), `take a consent ${kind}`);
    if (text === null) return undefined;
    const { expiresAt, ...value } = JSON.parse(text) as T & { expiresAt: number };
    // Redis's expiry and this clock agree within clock skew; the clock decides, as in the in-process store.
    return expiresAt > this.now() ? (value as unknown as T) : undefined;
  }

  private async ask<T>(command: Promise<T>, what: string): Promise<T> {
    const { connection } = this.options;
    try {
      return await withDeadline(command, connection.deadlineMs, `redis ${what}`);
    } catch (err) {
      connection.noteError(err);
      throw new ConsentStoreUnavailableError(`the consent store (Redis) did not answer: ${(err as Error).message}`);
    }
  }
}

type Kind = 'link' | 'flow';

/** What randomToken makes: 32 bytes in base64url. */
const TOKEN_SHAPE = /^[A-Za-z0-9_-]{43}$/;

/** Where the indexes of links (or flows) live: `<prefix>all`, and `<prefix>by:<consumer>` per consumer. */
function indexOf(kind: Kind): string {
  return `${PREFIX}${kind}s:`;
}

/** The Redis key of a link or flow state: its hash, so reading Redis gives no usable token. */
function keyOf(kind: Kind, token: string): string {
  return `${PREFIX}${kind}:${createHash('sha256').update(token).digest('base64url')}`;
}
