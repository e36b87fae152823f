import { randomBytes } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { JSONRPCMessage } from '@modelcontextprotocol/sdk/types.js';
import {
  STANDALONE_STREAM,
  parseEventId,
  type ClientState,
  type McpSessionRecord,
  type SessionSignal,
  type SessionStore,
  type StoredEvent,
  type UpstreamHandle,
} from './session-store.js';
import { connected } from '../../../shared-state/redis-ready.js';
import { SessionSeal, type SealingBox } from './session-seal.js';

/** What the Redis store runs on. */
export interface RedisSessionStoreOptions {
  /** The shared connection (fail-fast: no offline queue, short command timeout); the store runs on duplicates of it. */
  readonly client: Redis;
  /** Deadline of one session command, ms (default 500): a lookup that fails is a failed request, not a limit decided open or closed. */
  readonly commandTimeoutMs?: number;
  /** Sessions idle longer than this expire, ms. */
  readonly idleTimeoutMs: number;
  /** Anonymous sessions (consumer null) idle longer than this expire, ms (default idleTimeoutMs). */
  readonly anonymousIdleTimeoutMs?: number;
  /** Events kept per session for `Last-Event-ID` replay (oldest dropped first). */
  readonly eventBufferSize: number;
  /** Seals upstream handles (they hold upstream session ids): Redis alone does not give them away. */
  readonly box: SealingBox;
  /** Told of every Redis failure the store absorbed (health and logs). */
  readonly onError?: (err: unknown) => void;
}

// Appends one event: the next sequence number, the bounded list, the list's expiry with the record's, and a
// PUBLISH so the session's other holders write it on streams they hold; all in one round trip, atomically, so
// two replicas never hand out the same id. Nothing is stored for a session that is gone.
const APPEND = `
if redis.call('EXISTS', KEYS[1]) == 0 then return false end
local seq = redis.call('HINCRBY', KEYS[1], 'seq', 1)
local id = redis.call('HGET', KEYS[1], 'tag') .. '.' .. ARGV[1] .. '_' .. seq
local entry = id .. '\\n' .. ARGV[2]
redis.call('RPUSH', KEYS[2], entry)
redis.call('LTRIM', KEYS[2], -tonumber(ARGV[3]), -1)
local ttl = redis.call('PTTL', KEYS[1])
if ttl > 0 then redis.call('PEXPIRE', KEYS[2], ttl) end
redis.call('PUBLISH', ARGV[4], ARGV[5] .. '\\ne\\n' .. entry)
return id`;

// Marks a session used: its record and event log live another idle timeout.
const TOUCH = `
local ttl = redis.call('HGET', KEYS[1], 'ttl')
if not ttl then return 0 end
redis.call('PEXPIRE', KEYS[1], ttl)
redis.call('PEXPIRE', KEYS[2], ttl)
redis.call('HSET', KEYS[1], 'last', ARGV[1])
return 1`;

// Sets fields of a session that still exists (never recreates an expired or deleted one).
const SET_IF_EXISTS = `
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
redis.call('HSET', KEYS[1], unpack(ARGV))
return 1`;

interface Scripts {
  agateMcpAppend(record: string, events: string, stream: string, json: string, max: number, channel: string, origin: string): Promise<string | null>;
  agateMcpTouch(record: string, events: string, now: number): Promise<number>;
  agateMcpSetIfExists(record: string, ...fieldsAndValues: string[]): Promise<number>;
}

/**
 * The {@link SessionStore} in Redis, for replicas behind a load balancer without stickiness. Per session: a hash
 * `agate:mcp:{id}` (record, expiry, event tag and sequence, what the client set, sealed upstream handles) and a
 * bounded list `agate:mcp:{id}:ev` of events, both expiring after the idle timeout (renewed by touch), a
 * pub/sub channel `agate:mcp:{id}:ch` on which holders of the session signal each other, and for a legacy SSE
 * session a channel `agate:mcp:{id}:sse` whose subscriber is the replica holding its stream. Key names carry the
 * session id in a hash tag, so one session's keys sit on one Redis Cluster slot.
 */
export class RedisSessionStore implements SessionStore {
  readonly outlivesProcess = true;
  /** This store's id in signals: a holder ignores its own. */
  private readonly origin = randomBytes(6).toString('hex');
  private readonly client: Redis & Scripts;
  /** A connection of its own: one in subscriber mode sends nothing else. */
  private readonly sub: Redis;
  private readonly seal: SessionSeal;
  private readonly listeners = new Map<string, Set<(signal: SessionSignal) => void>>();

  constructor(private readonly options: RedisSessionStoreOptions) {
    // A connection of its own with a deadline of its own: the quota store's 75 ms, missed by a CPU-starved replica
    // now and then, would turn into refused MCP requests here.
    const client = options.client.duplicate({ commandTimeout: options.commandTimeoutMs ?? DEFAULT_COMMAND_TIMEOUT_MS });
    client.on('error', (err) => options.onError?.(err));
    client.defineCommand('agateMcpAppend', { numberOfKeys: 2, lua: APPEND });
    client.defineCommand('agateMcpTouch', { numberOfKeys: 2, lua: TOUCH });
    client.defineCommand('agateMcpSetIfExists', { numberOfKeys: 1, lua: SET_IF_EXISTS });
    this.client = client as Redis & Scripts;
    this.seal = new SessionSeal(options.box);
    // Its subscriptions may wait for a connection (and are renewed on every reconnect); commands never do.
    this.sub = options.client.duplicate({ enableOfflineQueue: true });
    this.sub.on('error', (err) => options.onError?.(err));
    this.sub.on('message', (channel: string, text: string) => this.signalled(channel, text));
  }

  async create(record: McpSessionRecord): Promise<void> {
    const ttl = this.ttlOf(record);
    const key = recordKey(record.id);
    const fields = { rec: JSON.stringify(record), ttl: String(ttl), last: String(record.lastSeenAt), tag: randomBytes(6).toString('hex'), seq: '0' };
    await this.client.multi().hset(key, fields).pexpire(key, ttl).exec().then(failedStep);
  }

  async get(id: string): Promise<McpSessionRecord | undefined> {
    const [rec, last] = await this.client.hmget(recordKey(id), 'rec', 'last');
    if (!rec) return undefined;
    return { ...(JSON.parse(rec) as McpSessionRecord), lastSeenAt: Number(last) };
  }

  async touch(id: string): Promise<void> {
    await this.client.agateMcpTouch(recordKey(id), eventsKey(id), Date.now());
  }

  async delete(id: string): Promise<void> {
    await this.client.multi().del(recordKey(id), eventsKey(id)).publish(channelOf(id), `${this.origin}\nx\n`).exec().then(failedStep);
  }

  /** Sessions held here (watched) whose record is gone from Redis: idle past the timeout, or ended elsewhere. */
  async expired(): Promise<string[]> {
    const held = [...this.listeners.keys()];
    if (held.length === 0) return [];
    const pipeline = this.client.pipeline();
    for (const id of held) pipeline.exists(recordKey(id));
    // Redis unreachable: nothing is known to have expired, and nothing is closed for it.
    const results = await pipeline.exec().catch((err: unknown) => this.absorb(err, null));
    if (!results) return [];
    return held.filter((_, i) => results[i]![0] === null && results[i]![1] === 0);
  }

  async appendEvent(sessionId: string, streamId: string, message: JSONRPCMessage): Promise<string> {
    const { client, options } = this;
    const id = await client.agateMcpAppend(recordKey(sessionId), eventsKey(sessionId), streamId, JSON.stringify(message), options.eventBufferSize, channelOf(sessionId), this.origin);
    return id ?? `${'0'.repeat(12)}.${streamId}_0`;
  }

  async streamOfEvent(sessionId: string, eventId: string): Promise<string | undefined> {
    const parsed = parseEventId(eventId);
    if (!parsed) return undefined;
    const [tag, events] = await Promise.all([this.client.hget(recordKey(sessionId), 'tag'), this.client.lrange(eventsKey(sessionId), 0, -1)]);
    if (tag !== parsed.tag) return undefined;
    // A POST stream none of whose events is kept any more cannot be resumed: nothing after it is known.
    if (parsed.stream === STANDALONE_STREAM) return parsed.stream;
    return events.some((e) => parseEventId(e.slice(0, e.indexOf('\n')))?.stream === parsed.stream) ? parsed.stream : undefined;
  }

  async eventsAfter(sessionId: string, eventId: string): Promise<StoredEvent[]> {
    const after = parseEventId(eventId);
    if (!after) return [];
    const [tag, entries] = await Promise.all([this.client.hget(recordKey(sessionId), 'tag'), this.client.lrange(eventsKey(sessionId), 0, -1)]);
    if (tag !== after.tag) return [];
    const out: StoredEvent[] = [];
    for (const entry of entries) {
      const event = parseEntry(entry);
      const at = parseEventId(event.id);
      if (at && at.stream === after.stream && at.seq > after.seq) out.push(event);
    }
    return out;
  }

  async setUpstream(sessionId: string, handle: UpstreamHandle): Promise<void> {
    const sealed = this.seal.seal(`${sessionId}/${handle.member}`, JSON.stringify(handle));
    await this.client.agateMcpSetIfExists(recordKey(sessionId), `up:${handle.member}`, sealed);
  }

  async upstreams(sessionId: string): Promise<UpstreamHandle[]> {
    const fields = await this.client.hgetall(recordKey(sessionId));
    const out: UpstreamHandle[] = [];
    for (const [field, value] of Object.entries(fields)) {
      if (!field.startsWith('up:')) continue;
      const member = field.slice(3);
      const opened = this.seal.open(`${sessionId}/${member}`, value);
      // A handle that does not open (another key, or tampered with) is as good as none: the member re-initializes.
      if (opened !== undefined) out.push(JSON.parse(opened) as UpstreamHandle);
    }
    return out;
  }

  async saveClientState(sessionId: string, state: ClientState): Promise<void> {
    const fields: string[] = [];
    if (state.initialize) fields.push('init', JSON.stringify(state.initialize));
    if (state.logLevel) fields.push('level', state.logLevel);
    for (const [member, uris] of Object.entries(state.subscriptions ?? {})) fields.push(`subs:${member}`, JSON.stringify(uris));
    if (fields.length > 0) await this.client.agateMcpSetIfExists(recordKey(sessionId), ...fields);
  }

  async clientState(sessionId: string): Promise<ClientState> {
    const fields = await this.client.hgetall(recordKey(sessionId));
    const subscriptions: Record<string, string[]> = {};
    for (const [field, value] of Object.entries(fields)) if (field.startsWith('subs:')) subscriptions[field.slice(5)] = JSON.parse(value) as string[];
    return {
      ...(fields.init ? { initialize: JSON.parse(fields.init) as ClientState['initialize'] } : {}),
      ...(fields.level ? { logLevel: fields.level as ClientState['logLevel'] } : {}),
      ...(Object.keys(subscriptions).length ? { subscriptions } : {}),
    };
  }

  async watch(sessionId: string, listener: (signal: SessionSignal) => void): Promise<() => void> {
    let set = this.listeners.get(sessionId);
    if (!set) {
      set = new Set();
      this.listeners.set(sessionId, set);
      const subscribed = this.sub.subscribe(channelOf(sessionId)).catch((err: unknown) => this.absorb(err, 0));
      // Connected: signals flow once this returns. Not (yet): the subscription waits for the connection, nobody waits for it.
      if (this.sub.status === 'ready') await subscribed;
    }
    set.add(listener);
    return () => {
      const current = this.listeners.get(sessionId);
      if (!current?.delete(listener) || current.size > 0) return;
      this.listeners.delete(sessionId);
      void this.sub.unsubscribe(channelOf(sessionId)).catch((err: unknown) => this.absorb(err, 0));
    };
  }

  async announce(sessionId: string, signal: SessionSignal): Promise<void> {
    if (signal.type === 'event') return;
    const body = signal.type === 'ended' ? 'x\n' : `m\n${JSON.stringify(signal.message)}`;
    await this.client.publish(channelOf(sessionId), `${this.origin}\n${body}`);
  }

  // The holder subscribes to a channel of the stream's own, on which nobody publishes: Redis counts its
  // subscribers, and forgets one the moment its connection is gone (a replica killed with the stream), with no
  // lease to renew or lapse.
  async holdStream(sessionId: string): Promise<() => void> {
    const subscribed = this.sub.subscribe(streamChannelOf(sessionId)).catch((err: unknown) => this.absorb(err, 0));
    if (this.sub.status === 'ready') await subscribed;
    return () => void this.sub.unsubscribe(streamChannelOf(sessionId)).catch((err: unknown) => this.absorb(err, 0));
  }

  async streamsHeld(sessionIds: readonly string[]): Promise<boolean[]> {
    const held: boolean[] = [];
    // NUMSUB answers channel, count, channel, count, …; in slices, so one command stays small.
    for (let i = 0; i < sessionIds.length; i += NUMSUB_SLICE) {
      const answer = (await this.client.pubsub('NUMSUB', ...sessionIds.slice(i, i + NUMSUB_SLICE).map(streamChannelOf))) as Array<string | number>;
      for (let j = 1; j < answer.length; j += 2) held.push(Number(answer[j]) > 0);
    }
    return held;
  }

  /** Resolves once the store's connection is up, or after `timeoutMs` either way. */
  async ready(timeoutMs: number): Promise<void> {
    await connected(this.client, timeoutMs);
  }

  /** Stops listening and closes the store's own connections (gateway shutdown); the shared one is its owner's. */
  close(): void {
    this.listeners.clear();
    this.sub.disconnect(false);
    this.client.disconnect(false);
  }

  private ttlOf(record: McpSessionRecord): number {
    const { idleTimeoutMs, anonymousIdleTimeoutMs } = this.options;
    return record.consumer === null ? (anonymousIdleTimeoutMs ?? idleTimeoutMs) : idleTimeoutMs;
  }

  /** `<origin>\n<type>\n<payload>` from another holder, to the listeners of its session. */
  private signalled(channel: string, text: string): void {
    const id = sessionOfChannel(channel);
    const listeners = id === undefined ? undefined : this.listeners.get(id);
    if (!listeners) return;
    const first = text.indexOf('\n');
    if (text.slice(0, first) === this.origin) return;
    const type = text.slice(first + 1, first + 2);
    const payload = text.slice(first + 3);
    let signal: SessionSignal;
    if (type === 'e') {
      const event = parseEntry(payload);
      signal = { type: 'event', stream: parseEventId(event.id)?.stream ?? '', event };
    } else if (type === 'm') signal = { type: 'message', message: JSON.parse(payload) as JSONRPCMessage };
    else signal = { type: 'ended' };
    for (const listener of listeners) listener(signal);
  }

  private absorb<T>(err: unknown, fallback: T): T {
    this.options.onError?.(err);
    return fallback;
  }
}

const DEFAULT_COMMAND_TIMEOUT_MS = 500;
/** Channels asked about in one PUBSUB NUMSUB. */
const NUMSUB_SLICE = 500;
const PREFIX = 'agate:mcp:{';

function recordKey(id: string): string {
  return `${PREFIX}${id}}`;
}

function eventsKey(id: string): string {
  return `${PREFIX}${id}}:ev`;
}

function channelOf(id: string): string {
  return `${PREFIX}${id}}:ch`;
}

/** The channel whose one subscriber is the replica holding a legacy SSE session's stream. */
function streamChannelOf(id: string): string {
  return `${PREFIX}${id}}:sse`;
}

function sessionOfChannel(channel: string): string | undefined {
  return channel.startsWith(PREFIX) && channel.endsWith('}:ch') ? channel.slice(PREFIX.length, -4) : undefined;
}

/** A list entry `<event id>\n<message JSON>`. */
function parseEntry(entry: string): StoredEvent {
  const nl = entry.indexOf('\n');
  return { id: entry.slice(0, nl), message: JSON.parse(entry.slice(nl + 1)) as JSONRPCMessage };
}

/** MULTI answers each step with [error, result]: the first error is the command's. */
function failedStep(results: Array<[Error | null, unknown]> | null): void {
  const failed = results?.find(([err]) => err);
  if (failed) throw failed[0];
  if (!results) throw new Error('redis transaction aborted');
}
