import { randomBytes, randomUUID } from 'node:crypto';
import { GatewayError, errors } from '../../../errors/index.js';

/** How many multi round-trip exchanges this replica holds, and how long one waits for the client. */
export interface PendingInputsLimits {
  /** A parked exchange (and its requestState) lives this long after its input_required answer, ms. */
  readonly ttlMs: number;
  /** Exchanges held at once, in all. */
  readonly total: number;
  /** Exchanges one client (consumer, else client IP) holds at once. */
  readonly perClient: number;
}

interface Entry<T> {
  readonly client: string;
  value?: T;
  /** The round token a retry must present; undefined while a retry runs. */
  round?: string;
  timer?: NodeJS.Timeout;
}

/** What a retry found for its exchange and round. */
export type Taken<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly why: 'replayed' | 'absent' };

/** Spent round tokens kept to tell a replay apart from an unknown exchange (beyond this, a replay is "absent"). */
const MAX_SPENT = 100_000;

/**
 * The multi round-trip exchanges (mrtr.mdx) this replica holds: a member's call waits here, in its router session,
 * between the input_required answer and the client's retry. Bounded in count (per client and in all) and in
 * lifetime: an exchange not continued within `ttlMs` is handed to `onExpire` (which cancels the member's call) and
 * forgotten. Each round has a random token; a retry spends it, so a requestState continues one retry only.
 */
export class PendingInputs<T> {
  private readonly live = new Map<string, Entry<T>>();
  private readonly perClient = new Map<string, number>();
  /** `exchange:round` → expiry (epoch ms), in issue order. */
  private readonly spent = new Map<string, number>();

  constructor(
    readonly limits: PendingInputsLimits,
    private readonly onExpire: (value: T) => void,
  ) {}

  /** A new exchange for `client`, or the refusal when it (or the replica) holds the most it may. */
  open(client: string): string {
    const held = this.perClient.get(client) ?? 0;
    if (held >= this.limits.perClient) throw new GatewayError(errors.GW_ERR_MCP_INPUTS_PENDING_LIMIT, [client, held, this.limits.perClient]);
    if (this.live.size >= this.limits.total) throw new GatewayError(errors.GW_ERR_MCP_INPUTS_PENDING_LIMIT, ['this gateway', this.live.size, this.limits.total]);
    const id = randomUUID();
    this.live.set(id, { client });
    this.perClient.set(client, held + 1);
    return id;
  }

  /** Parks `value` under exchange `id` until a retry takes it or it expires; the round token and expiry to seal. */
  park(id: string, value: T): { round: string; issued: number; expires: number } {
    const entry = this.live.get(id);
    if (!entry) throw new Error(`exchange ${id} is not open`);
    const round = randomBytes(12).toString('base64url');
    entry.value = value;
    entry.round = round;
    entry.timer = setTimeout(() => this.expire(id), this.limits.ttlMs);
    entry.timer.unref();
    const issued = Date.now();
    return { round, issued, expires: issued + this.limits.ttlMs };
  }

  /** Takes exchange `id` for a retry presenting `round` (good until `expires`): its value, or why not. */
  take(id: string, round: string, expires: number): Taken<T> {
    const key = `${id}:${round}`;
    if (this.spent.has(key)) return { ok: false, why: 'replayed' };
    const entry = this.live.get(id);
    if (!entry || entry.round !== round || entry.value === undefined) return { ok: false, why: 'absent' };
    clearTimeout(entry.timer);
    const value = entry.value;
    entry.value = entry.round = entry.timer = undefined;
    this.spend(key, expires);
    return { ok: true, value };
  }

  /** Exchange `id` is over (answered, cancelled, failed): its slot is free. */
  end(id: string): void {
    const entry = this.live.get(id);
    if (!entry) return;
    clearTimeout(entry.timer);
    this.live.delete(id);
    const held = (this.perClient.get(entry.client) ?? 1) - 1;
    if (held > 0) this.perClient.set(entry.client, held);
    else this.perClient.delete(entry.client);
  }

  /** How many exchanges are held (tests, status). */
  get count(): number {
    return this.live.size;
  }

  /** Expires every parked exchange (gateway shutdown). */
  close(): void {
    for (const [id, entry] of [...this.live]) if (entry.value !== undefined) this.expire(id);
  }

  private expire(id: string): void {
    const value = this.live.get(id)?.value;
    this.end(id);
    if (value !== undefined) this.onExpire(value);
  }

  private spend(key: string, expires: number): void {
    const now = Date.now();
    for (const [k, until] of this.spent) {
      if (until > now && this.spent.size < MAX_SPENT) break;
      this.spent.delete(k);
    }
    this.spent.set(key, expires);
  }
}
