import { randomBytes } from 'node:crypto';
import type { InitializeRequest, InitializeResult, JSONRPCMessage, LoggingLevel } from '@modelcontextprotocol/sdk/types.js';

/** What the gateway remembers about one downstream MCP session (serialisable, so a shared store can hold it). */
export interface McpSessionRecord {
  readonly id: string;
  /** The endpoint (registry server name) the session belongs to. */
  readonly server: string;
  /** The authenticated consumer it is bound to, or null for anonymous clients. */
  readonly consumer: string | null;
  readonly transport: 'streamable-http' | 'sse';
  readonly createdAt: number;
  lastSeenAt: number;
}

/** One upstream session held for a downstream session (what a replica would need to resume it). */
export interface UpstreamHandle {
  readonly member: string;
  readonly protocolVersion?: string;
  readonly upstreamSessionId?: string;
  /** What the upstream answered to initialize: a replica that continues the session answers its client with it. */
  readonly initializeResult?: InitializeResult;
}

/** What the client set up on its session: what another replica needs to rebuild it the same. */
export interface ClientState {
  /** The params of the client's own `initialize`. */
  readonly initialize?: InitializeRequest['params'];
  /** The level of its latest `logging/setLevel`. */
  readonly logLevel?: LoggingLevel;
  /** Upstream resource URIs it is subscribed to, by member. */
  readonly subscriptions?: Readonly<Record<string, readonly string[]>>;
}

/**
 * What one holder of a session tells the others (replicas that hold the same session): an event appended to
 * the session's log, the end of the session, or a client message meant for whichever holder sent the request
 * it answers.
 */
export type SessionSignal =
  | { readonly type: 'event'; readonly stream: string; readonly event: StoredEvent }
  | { readonly type: 'ended' }
  | { readonly type: 'message'; readonly message: JSONRPCMessage };

/** A stored SSE event: its id and the JSON-RPC message it carried. */
export interface StoredEvent {
  readonly id: string;
  readonly message: JSONRPCMessage;
}

/**
 * Session state behind one small interface: the session table, per-session SSE event buffers and upstream
 * session handles. Async throughout so a shared store (Redis) can replace the in-process one.
 */
export interface SessionStore {
  /** Adds a session. */
  create(record: McpSessionRecord): Promise<void>;
  /** The session, or undefined when unknown or idle for longer than the expiry. */
  get(id: string): Promise<McpSessionRecord | undefined>;
  /** Marks the session as used now. */
  touch(id: string): Promise<void>;
  /** Forgets the session, its events and handles. */
  delete(id: string): Promise<void>;
  /** Ids of sessions idle for longer than the expiry, as of `now`. */
  expired(now: number): Promise<string[]>;
  /** Appends an event to the session's bounded buffer; returns its id (`<session tag>.<streamId>_<seq>`). */
  appendEvent(sessionId: string, streamId: string, message: JSONRPCMessage): Promise<string>;
  /** The stream an event id belongs to, if that stream is known to this session. */
  streamOfEvent(sessionId: string, eventId: string): Promise<string | undefined>;
  /** Buffered events of the same stream after `eventId`, oldest first. */
  eventsAfter(sessionId: string, eventId: string): Promise<StoredEvent[]>;
  /** Records (or replaces) an upstream session handle. */
  setUpstream(sessionId: string, handle: UpstreamHandle): Promise<void>;
  /** The session's upstream handles. */
  upstreams(sessionId: string): Promise<UpstreamHandle[]>;
  /** Records what the client set up (fields given replace the stored ones; a subscription list replaces its member's). */
  saveClientState(sessionId: string, state: ClientState): Promise<void>;
  /** What the client set up, as saved. */
  clientState(sessionId: string): Promise<ClientState>;
  /**
   * Calls `listener` with what the session's other holders signal (and events they append) until the returned
   * function is called. Watching also marks the session as held here, for `expired`.
   */
  watch(sessionId: string, listener: (signal: SessionSignal) => void): Promise<() => void>;
  /** Tells the session's other holders `signal` (events need not be: appendEvent signals them). */
  announce(sessionId: string, signal: SessionSignal): Promise<void>;
  /**
   * Marks this process as the one holding the session's only stream (legacy HTTP+SSE) until the returned function
   * is called or the process is gone; resolves once the others can see it.
   */
  holdStream(sessionId: string): Promise<() => void>;
  /** For each session, whether a live process holds its only stream (legacy HTTP+SSE). */
  streamsHeld(sessionIds: readonly string[]): Promise<boolean[]>;
  /** Records outlive this process (other replicas go on serving them): a shutdown leaves sessions and their upstream sessions open. */
  readonly outlivesProcess: boolean;
  /** Resolves once the store can be used, or after `timeoutMs` (start-up: before the gateway listens). */
  ready?(timeoutMs: number): Promise<void>;
  /** Stops what the store runs besides its records (gateway shutdown). */
  close?(): void;
}

/** Limits of the in-process store. */
export interface InMemorySessionStoreOptions {
  /** Sessions idle longer than this expire, ms. */
  idleTimeoutMs: number;
  /** Anonymous sessions (consumer null) idle longer than this expire, ms (default idleTimeoutMs). */
  anonymousIdleTimeoutMs?: number;
  /** Events kept per session for `Last-Event-ID` replay (oldest dropped first). */
  eventBufferSize: number;
}

interface Entry {
  record: McpSessionRecord;
  events: Array<StoredEvent & { stream: string }>;
  /** Buffered events per stream. Pruned with the buffer: every POST opens a new stream, so a set never pruned would grow with every call. */
  streams: Map<string, number>;
  seq: number;
  /** Random per-session prefix of event ids, so an id from another session never matches here. */
  tag: string;
  upstreams: Map<string, UpstreamHandle>;
  client: ClientState;
}

// `<session tag>.<stream id>_<seq>`: stream ids are UUIDs or the SDK's `_GET_stream`.
const EVENT_ID = /^([0-9a-f]{12})\.(.+)_(\d+)$/;
/** The SDK's id of the standalone GET stream: always resumable, even when none of its events is buffered any more. */
const STANDALONE_STREAM = '_GET_stream';

/** The in-process {@link SessionStore}: a Map per gateway, bounded buffers, lazy expiry. */
export class InMemorySessionStore implements SessionStore {
  readonly outlivesProcess = false;
  private readonly entries = new Map<string, Entry>();

  constructor(private readonly options: InMemorySessionStoreOptions) {}

  async create(record: McpSessionRecord): Promise<void> {
    this.entries.set(record.id, { record, events: [], streams: new Map(), seq: 0, tag: randomBytes(6).toString('hex'), upstreams: new Map(), client: {} });
  }

  async get(id: string): Promise<McpSessionRecord | undefined> {
    const entry = this.entries.get(id);
    if (!entry || this.isExpired(entry, Date.now())) return undefined;
    return entry.record;
  }

  async touch(id: string): Promise<void> {
    const entry = this.entries.get(id);
    if (entry) entry.record.lastSeenAt = Date.now();
  }

  async delete(id: string): Promise<void> {
    this.entries.delete(id);
  }

  async expired(now: number): Promise<string[]> {
    return [...this.entries.values()].filter((e) => this.isExpired(e, now)).map((e) => e.record.id);
  }

  async appendEvent(sessionId: string, streamId: string, message: JSONRPCMessage): Promise<string> {
    const entry = this.entries.get(sessionId);
    if (!entry) return `${'0'.repeat(12)}.${streamId}_0`;
    const id = `${entry.tag}.${streamId}_${++entry.seq}`;
    entry.streams.set(streamId, (entry.streams.get(streamId) ?? 0) + 1);
    entry.events.push({ id, stream: streamId, message });
    if (entry.events.length > this.options.eventBufferSize) {
      const dropped = entry.events.shift()!;
      const left = entry.streams.get(dropped.stream)! - 1;
      if (left > 0) entry.streams.set(dropped.stream, left);
      else entry.streams.delete(dropped.stream);
    }
    return id;
  }

  async streamOfEvent(sessionId: string, eventId: string): Promise<string | undefined> {
    const match = EVENT_ID.exec(eventId);
    const entry = this.entries.get(sessionId);
    if (!match || !entry || match[1] !== entry.tag) return undefined;
    // A POST stream none of whose events is buffered any more cannot be resumed: nothing after it is known.
    const stream = match[2]!;
    return stream === STANDALONE_STREAM || entry.streams.has(stream) ? stream : undefined;
  }

  async eventsAfter(sessionId: string, eventId: string): Promise<StoredEvent[]> {
    const entry = this.entries.get(sessionId);
    const match = EVENT_ID.exec(eventId);
    if (!entry || !match || match[1] !== entry.tag) return [];
    const [, , stream, seqText] = match;
    const after = Number(seqText);
    return entry.events
      .filter((e) => e.stream === stream && Number(EVENT_ID.exec(e.id)![3]) > after)
      .map(({ id, message }) => ({ id, message }));
  }

  async setUpstream(sessionId: string, handle: UpstreamHandle): Promise<void> {
    this.entries.get(sessionId)?.upstreams.set(handle.member, handle);
  }

  async upstreams(sessionId: string): Promise<UpstreamHandle[]> {
    return [...(this.entries.get(sessionId)?.upstreams.values() ?? [])];
  }

  async saveClientState(sessionId: string, state: ClientState): Promise<void> {
    const entry = this.entries.get(sessionId);
    if (entry) entry.client = mergeClientState(entry.client, state);
  }

  async clientState(sessionId: string): Promise<ClientState> {
    return this.entries.get(sessionId)?.client ?? {};
  }

  // One process holds the only copy of each session: there is nobody else to signal.
  async watch(): Promise<() => void> {
    return () => {};
  }

  async announce(): Promise<void> {}

  async holdStream(): Promise<() => void> {
    return () => {};
  }

  // The stream is in this process for as long as the session is.
  async streamsHeld(sessionIds: readonly string[]): Promise<boolean[]> {
    return sessionIds.map((id) => this.entries.has(id));
  }

  private isExpired(entry: Entry, now: number): boolean {
    const limit = entry.record.consumer === null ? (this.options.anonymousIdleTimeoutMs ?? this.options.idleTimeoutMs) : this.options.idleTimeoutMs;
    return now - entry.record.lastSeenAt > limit;
  }
}

/** `base` with the fields of `patch` (a member's subscriptions replace that member's). */
export function mergeClientState(base: ClientState, patch: ClientState): ClientState {
  const subscriptions = patch.subscriptions ? { ...base.subscriptions, ...patch.subscriptions } : base.subscriptions;
  return { ...base, ...patch, ...(subscriptions ? { subscriptions } : {}) };
}

/** Parses an event id into the session tag, stream and sequence number; undefined when it is not one. */
export function parseEventId(eventId: string): { tag: string; stream: string; seq: number } | undefined {
  const match = EVENT_ID.exec(eventId);
  return match ? { tag: match[1]!, stream: match[2]!, seq: Number(match[3]) } : undefined;
}

export { STANDALONE_STREAM };
