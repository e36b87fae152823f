/**
 * The quota store on Redis: the same token buckets as MemoryRateLimitStore, one Lua script per operation so a
 * take or give is atomic across every replica. The scripts read Redis's own clock (TIME), not the caller's, so
 * replicas with skewed clocks still agree; a bucket's key expires when it would be full again (a missing key is
 * a full bucket), so Redis holds only buckets that are in use.
 */
import type { Redis } from 'ioredis';
import { withDeadline } from '../shared-state/deadline.js';
import type { PeriodRule } from './period.js';
import type { BucketRule, OnStoreError, PeriodDecision, PeriodSpend, RateDecision, RateLimitStore, Spend } from './types.js';

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

/**
 * The calendar period (UTC) containing Redis's time: `id` ('2026-12-07' or '2026-12') and `reset`, its end in
 * epoch ms, as periodAt() computes them in JavaScript. Dates from days since the epoch by H. Hinnant's
 * civil_from_days / days_from_civil (http://howardhinnant.github.io/date_algorithms.html). ARGV[1] = period.
 */
const PERIOD = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local days = math.floor(now / 86400000)
local z = days + 719468
local era = math.floor(z / 146097)
local doe = z - era * 146097
local yoe = math.floor((doe - math.floor(doe / 1460) + math.floor(doe / 36524) - math.floor(doe / 146096)) / 365)
local doy = doe - (365 * yoe + math.floor(yoe / 4) - math.floor(yoe / 100))
local mp = math.floor((5 * doy + 2) / 153)
local d = doy - math.floor((153 * mp + 2) / 5) + 1
local m = mp < 10 and mp + 3 or mp - 9
local y = yoe + era * 400 + (m <= 2 and 1 or 0)
local id, reset
if ARGV[1] == 'day' then
  id, reset = string.format('%04d-%02d-%02d', y, m, d), (days + 1) * 86400000
else
  id = string.format('%04d-%02d', y, m)
  local ny, nm = y, m + 1
  if nm > 12 then ny, nm = y + 1, 1 end
  if nm <= 2 then ny = ny - 1 end
  local e = math.floor(ny / 400)
  local ye = ny - e * 400
  local mm = nm > 2 and nm - 3 or nm + 9
  local de = ye * 365 + math.floor(ye / 4) - math.floor(ye / 100) + math.floor((153 * mm + 2) / 5)
  reset = (e * 146097 + de - 719468) * 86400000
end
local v = redis.call('HMGET', KEYS[1], 'p', 'u')
local used = 0
if v[1] == id then used = tonumber(v[2]) end
local function store(u)
  redis.call('HSET', KEYS[1], 'p', id, 'u', string.format('%.17g', u))
  redis.call('PEXPIREAT', KEYS[1], reset + 3600000)
end
`;

/** Charge: ARGV period, limit, amount; returns { allowed, used (a string: Lua numbers become integers), id, reset }. */
const CHARGE = `${PERIOD}
local limit, amount = tonumber(ARGV[2]), tonumber(ARGV[3])
if used + math.min(amount, limit) > limit then return {0, string.format('%.17g', used), id, reset} end
used = used + amount
store(used)
return {1, string.format('%.17g', used), id, reset}
`;

/** Settle: ARGV period, amount, periodId; adds amount (never below zero) if periodId is still the current period. */
const SETTLE = `${PERIOD}
if ARGV[3] ~= id then return 0 end
store(math.max(0, used + tonumber(ARGV[2])))
return 1
`;

/** The client with the two scripts defined (ioredis sends EVALSHA, and the script again after a NOSCRIPT). */
interface QuotaClient extends Redis {
  agateQuotaTake(key: string, ...args: Array<string | number>): Promise<[number, number, number, number]>;
  agateQuotaGive(key: string, ...args: Array<string | number>): Promise<number>;
  agateBudgetCharge(key: string, ...args: Array<string | number>): Promise<[number, string, string, number]>;
  agateBudgetSettle(key: string, ...args: Array<string | number>): Promise<number>;
}

/** The store's deadline, and where failures are reported (the connection's health record, metrics). */
export interface RedisStoreHooks {
  /** Longest wait for one take or give, ms (default 100). */
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
      client.defineCommand('agateBudgetCharge', { numberOfKeys: 1, lua: CHARGE });
      client.defineCommand('agateBudgetSettle', { numberOfKeys: 1, lua: SETTLE });
    }
    this.client = client as QuotaClient;
  }

  /** `spend.now` is ignored: Redis's clock decides, the same for every replica. */
  async take(key: string, rule: BucketRule, spend?: Spend): Promise<RateDecision> {
    const answer = this.client.agateQuotaTake(this.prefix + key, ...ruleArgs(rule, spend?.amount ?? 1));
    const [allowed, remaining, resetMs, retryAfterMs] = await this.run(answer, 'quota take');
    return { allowed: allowed === 1, remaining, resetMs, retryAfterMs };
  }

  async give(key: string, rule: BucketRule, spend: Spend): Promise<void> {
    await this.run(this.client.agateQuotaGive(this.prefix + key, ...ruleArgs(rule, spend.amount ?? 1)), 'quota give');
  }

  /** `spend.now` is ignored: the period is Redis's, the same for every replica. */
  async charge(key: string, rule: PeriodRule, spend: PeriodSpend): Promise<PeriodDecision> {
    const answer = this.client.agateBudgetCharge(this.prefix + key, rule.period, rule.limit, spend.amount);
    const [allowed, used, periodId, resetAt] = await this.run(answer, 'budget charge');
    return { allowed: allowed === 1, used: Number(used), periodId, resetAt };
  }

  async settle(key: string, rule: PeriodRule, spend: PeriodSpend & { readonly periodId: string }): Promise<void> {
    await this.run(this.client.agateBudgetSettle(this.prefix + key, rule.period, spend.amount, spend.periodId), 'budget settle');
  }

  decidedUnderFailure(mode: OnStoreError): void {
    this.hooks.onDecidedUnderFailure?.(mode);
  }

  /** One script call within the store's deadline; a failure is reported to the hooks and rethrown. */
  private async run<T>(answer: Promise<T>, what: string): Promise<T> {
    try {
      return await withDeadline(answer, this.hooks.deadlineMs ?? 100, what);
    } catch (err) {
      this.hooks.onError?.(err);
      throw err;
    }
  }
}

function ruleArgs(rule: BucketRule, amount: number): number[] {
  return [rule.tokens, rule.intervalMs, rule.capacity, amount];
}
