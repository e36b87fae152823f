/**
 * The quota store on Redis: the same token buckets as MemoryRateLimitStore, one Lua script per operation so a
 * take or give is atomic across every replica. The scripts read Redis's own clock (TIME), not the caller's, so
 * replicas with skewed clocks still agree; a bucket's key expires when it would be full again (a missing key is
 * a full bucket), so Redis holds only buckets that are in use.
 */
import type { Redis } from 'ioredis';
import { withDeadline } from '../shared-state/deadline.js';
import type { BucketRule, OnStoreError, RateDecision, RateLimitStore, Spend } from './types.js';

/** The refilled level of bucket KEYS[1] at Redis's time `now`; ARGV: tokens, intervalMs, capacity, amount. */
const LEVEL = `
local tokens, interval, cap, amount = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3]), tonumber(ARGV[4])
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local v = redis.call('HMGET', KEYS[1], 'l', 'c', 'u')
local level, c, u = tonumber(v[1]), tonumber(v[2]), tonumber(v[3])
if level == nil then level, c, u = cap, cap, now end
if c ~= cap then level = level + cap - c end
local refill = (now - u) * tokens / interval
if refill < 0 then refill = 0 end
level = math.min(cap, level + refill)
local function store()
  local resetMs = math.ceil((cap - level) * interval / tokens)
  if resetMs <= 0 then redis.call('DEL', KEYS[1]) else
    redis.call('HSET', KEYS[1], 'l', string.format('%.17g', level), 'c', cap, 'u', now)
    redis.call('PEXPIRE', KEYS[1], resetMs)
  end
  return resetMs
end
`;

/** Take: admit if the level holds min(amount, capacity); returns { allowed, remaining, resetMs, retryAfterMs }. */
const TAKE = `${LEVEL}
local need = math.min(amount, cap)
local allowed = level >= need
if allowed then level = level - amount end
local resetMs = store()
local remaining = math.max(0, math.floor(level))
if allowed then return {1, remaining, resetMs, 0} end
return {0, remaining, resetMs, math.ceil((need - level) * interval / tokens)}
`;

/** Give: return `amount` (never above capacity; a negative amount charges more). */
const GIVE = `${LEVEL}
level = math.min(cap, level + amount)
store()
return 1
`;

/** The client with the two scripts defined (ioredis sends EVALSHA, and the script again after a NOSCRIPT). */
interface QuotaClient extends Redis {
  agateQuotaTake(key: string, ...args: Array<string | number>): Promise<[number, number, number, number]>;
  agateQuotaGive(key: string, ...args: Array<string | number>): Promise<number>;
}

/** The store's deadline, and where failures are reported (the connection's health record, metrics). */
export interface RedisStoreHooks {
  /** Longest wait for one take or give, ms (default 75). */
  deadlineMs?: number;
  /** A command failed or timed out. */
  onError?: (err: unknown) => void;
  /** A limit decided without the store, by its fail mode. */
  onDecidedUnderFailure?: (mode: OnStoreError) => void;
}

/** Buckets in Redis under `prefix` (default `agate:rl:`); every call is a promise that rejects when Redis fails. */
export class RedisRateLimitStore implements RateLimitStore {
  private readonly client: QuotaClient;

  constructor(
    client: Redis,
    private readonly hooks: RedisStoreHooks = {},
    private readonly prefix = 'agate:rl:',
  ) {
    if (!('agateQuotaTake' in client)) {
      client.defineCommand('agateQuotaTake', { numberOfKeys: 1, lua: TAKE });
      client.defineCommand('agateQuotaGive', { numberOfKeys: 1, lua: GIVE });
    }
    this.client = client as QuotaClient;
  }

  /** `spend.now` is ignored: Redis's clock decides, the same for every replica. */
  async take(key: string, rule: BucketRule, spend?: Spend): Promise<RateDecision> {
    try {
      const answer = this.client.agateQuotaTake(this.prefix + key, ...ruleArgs(rule, spend?.amount ?? 1));
      const [allowed, remaining, resetMs, retryAfterMs] = await withDeadline(answer, this.hooks.deadlineMs ?? 75, 'quota take');
      return { allowed: allowed === 1, remaining, resetMs, retryAfterMs };
    } catch (err) {
      this.hooks.onError?.(err);
      throw err;
    }
  }

  async give(key: string, rule: BucketRule, spend: Spend): Promise<void> {
    try {
      await withDeadline(this.client.agateQuotaGive(this.prefix + key, ...ruleArgs(rule, spend.amount ?? 1)), this.hooks.deadlineMs ?? 75, 'quota give');
    } catch (err) {
      this.hooks.onError?.(err);
      throw err;
    }
  }

  decidedUnderFailure(mode: OnStoreError): void {
    this.hooks.onDecidedUnderFailure?.(mode);
  }
}

function ruleArgs(rule: BucketRule, amount: number): number[] {
  return [rule.tokens, rule.intervalMs, rule.capacity, amount];
}
