/**
 * LLM provider keys ejected by one replica are skipped by all (issue 16). A replica that ejects a key marks it
 * here for a while (renewed while its probes still fail) and clears the mark when the key works again; every
 * replica reads the marks synchronously from a local copy, so choosing a key never waits on Redis.
 */
import { createHash } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { Logger } from '../observability/logger.js';
import type { RedisConnection } from './redis-connection.js';

/** Key-health marks shared between replicas; keys are named by an opaque id (never the key's value). */
export interface KeyShare {
  /** Marks `id` ejected for `ttlMs` (renewed by calling again). */
  eject(id: string, ttlMs: number): void;
  /** Clears the mark of `id`: the key works again. */
  recover(id: string): void;
  /** Whether any replica marked `id` ejected and the mark holds. */
  ejected(id: string): boolean;
  /** Resolves once the marks set before this process started are known (or `timeoutMs` passed). */
  ready(timeoutMs: number): Promise<void>;
  close(): void;
}

/** One process: its own KeyHealth state is the whole truth, so there is nothing more to share. */
export class LocalKeyShare implements KeyShare {
  eject(): void {}
  recover(): void {}
  ejected(): boolean {
    return false;
  }
  async ready(): Promise<void> {}
  close(): void {}
}

const PREFIX = 'agate:key-ejected:';
const CHANNEL = 'agate:key-health';
/** How soon a failed read of the marks is tried again, ms (doubling per failure in a row, up to the max). */
const RESYNC_RETRY_MS = 100;
const RESYNC_RETRY_MAX_MS = 5_000;

/** Marks as Redis keys with a TTL, announced on a pub/sub channel; a reconnect reloads them all. */
export class RedisKeyShare implements KeyShare {
  /** Mark (hashed id) → local expiry time. */
  private readonly marks = new Map<string, number>();
  private readonly hashes = new Map<string, string>();
  private readonly sub: Redis;
  private synced!: () => void;
  private readonly firstSync = new Promise<void>((resolve) => (this.synced = resolve));
  private resyncFailures = 0;

  constructor(
    private readonly connection: RedisConnection,
    private readonly log: Logger,
  ) {
    this.sub = connection.client.duplicate();
    this.sub.on('error', () => undefined);
    this.sub.on('ready', () => void this.resync());
    this.sub.on('message', (_channel: string, text: string) => this.apply(text));
  }

  eject(id: string, ttlMs: number): void {
    const mark = this.hash(id);
    this.marks.set(mark, Date.now() + ttlMs);
    const c = this.connection.client;
    c.multi().set(PREFIX + mark, '1', 'PX', ttlMs).publish(CHANNEL, `e ${mark} ${ttlMs}`).exec().catch((err) => this.failed(err));
  }

  recover(id: string): void {
    const mark = this.hash(id);
    if (!this.marks.delete(mark)) return;
    const c = this.connection.client;
    c.multi().del(PREFIX + mark).publish(CHANNEL, `r ${mark}`).exec().catch((err) => this.failed(err));
  }

  ejected(id: string): boolean {
    if (this.marks.size === 0) return false;
    const mark = this.hash(id);
    const until = this.marks.get(mark);
    if (until === undefined) return false;
    if (until > Date.now()) return true;
    this.marks.delete(mark);
    return false;
  }

  async ready(timeoutMs: number): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([this.firstSync, new Promise<void>((resolve) => (timer = setTimeout(resolve, timeoutMs)))]);
    clearTimeout(timer);
  }

  close(): void {
    this.sub.disconnect(false);
  }

  /** After every (re)connect: subscribe, then read the marks set while this replica was not listening. */
  private async resync(): Promise<void> {
    try {
      await this.sub.subscribe(CHANNEL);
      const client = this.connection.client;
      let cursor = '0';
      do {
        const [next, found] = await client.scan(cursor, 'MATCH', `${PREFIX}*`, 'COUNT', 1000);
        cursor = next;
        for (const key of found) {
          const ttl = await client.pttl(key);
          if (ttl > 0) this.marks.set(key.slice(PREFIX.length), Date.now() + ttl);
        }
      } while (cursor !== '0');
      this.resyncFailures = 0;
      this.synced();
    } catch (err) {
      this.failed(err);
      // A command past its short deadline (a replica starting on a busy machine) is not the connection lost: read
      // the marks again soon, or a replica would serve with keys others ejected until the next reconnect.
      const delay = Math.min(RESYNC_RETRY_MAX_MS, RESYNC_RETRY_MS * 2 ** Math.min(this.resyncFailures++, 10));
      if (this.sub.status === 'ready') setTimeout(() => void this.resync(), delay).unref();
    }
  }

  private apply(text: string): void {
    const [op, mark, ttl] = text.split(' ');
    if (!mark) return;
    if (op === 'e') this.marks.set(mark, Date.now() + Number(ttl));
    else if (op === 'r') this.marks.delete(mark);
  }

  private failed(err: unknown): void {
    this.connection.noteError(err);
    this.log.debug({ err: (err as Error).message }, 'redis: key-health mark not shared');
  }

  /** The key's id hashed: the id holds the key's value, which must never reach Redis. */
  private hash(id: string): string {
    let h = this.hashes.get(id);
    if (!h) {
      h = createHash('sha256').update(id).digest('base64url').slice(0, 32);
      this.hashes.set(id, h);
    }
    return h;
  }
}
