import { randomUUID } from 'node:crypto';
import { EventEmitter } from 'node:events';
import type { Redis } from 'ioredis';
import { GatewayError, errors, isGatewayError } from '../../../errors/index.js';
import { connected } from '../../../shared-state/redis-ready.js';
import type { ModernMessage } from './era.js';
import type { ExchangeClaims, StateScope } from './request-state.js';
import type { RoundSink } from './stateless-call.js';

// A 2026-07-28 multi round-trip exchange (MRTR) waits in the memory of the replica whose member call asked the
// client something: the call is a live request on that replica's upstream session and cannot move. A retry that a
// load balancer sends elsewhere is handed to the replica that holds it, over Redis pub/sub (each replica listens on a
// channel named by its id, the id sealed into its requestStates), and the answer it writes comes back in order on
// the forwarding replica's channel, to be written on the client's response there. Closing that response cancels the
// round on the holder, as closing a local one does.

/** A retry on its way to the replica that holds its exchange: checked there already (seal, scope, request). */
export interface ForwardedRetry {
  readonly claims: ExchangeClaims;
  readonly scope: StateScope;
  /** The retry as the client sent it: its id, its `_meta` (progress token, log level). */
  readonly modern: ModernMessage;
  readonly responses: Readonly<Record<string, Record<string, unknown>>>;
}

/** Hands retries to the replicas holding their exchanges, and serves the ones forwarded here. */
export interface ExchangeRelay {
  /**
   * Hands `retry` to `owner` and writes its answer on `sink`; resolves once the answer is written. Rejects with the
   * refusal the owner answered (replayed, no longer pending), or with GW_ERR_MCP_EXCHANGE_NOT_HERE when the owner
   * does not answer in time (gone, or partitioned) or goes quiet mid-round.
   */
  forward(owner: string, retry: ForwardedRetry, sink: RoundSink): Promise<void>;
  /** From now on, retries forwarded to this replica go to `handler`, which writes the round on `sink`. */
  serve(handler: (retry: ForwardedRetry, sink: RoundSink) => Promise<void>): void;
  /** Resolves once retries can be handed over, or after `timeoutMs` (start-up: before the gateway listens). */
  ready(timeoutMs: number): Promise<void>;
  close(): void;
}

/** How long a forwarded retry waits for the holder's first word, and for each next one mid-round, ms. */
export interface RelayTimings {
  readonly answerMs: number;
  readonly quietMs: number;
  /** How often the holder says it is still at it while a round runs, ms. */
  readonly beatMs: number;
}

const DEFAULT_TIMINGS: RelayTimings = { answerMs: 2_000, quietMs: 15_000, beatMs: 5_000 };

/** What travels on a replica's channel. */
type Envelope =
  | { t: 'retry'; corr: string; from: string; retry: ForwardedRetry }
  | { t: 'close'; corr: string }
  | { t: 'head'; corr: string; status: number; headers: Record<string, string> }
  | { t: 'data'; corr: string; chunk: string }
  | { t: 'end'; corr: string; chunk: string }
  | { t: 'beat'; corr: string }
  | { t: 'refused'; corr: string; error: { code: string; status: number; flag: string; message: string; data?: Record<string, unknown> } };

const channelOf = (replica: string) => `agate:mrtr:${replica}`;

/** A round being written for another replica: the sink the held call writes on, relayed there. */
class RelayedSink extends EventEmitter implements RoundSink {
  constructor(private readonly send: (e: Envelope) => void, private readonly corr: string) {
    super();
  }
  writeHead(status: number, headers: Record<string, string>): this {
    this.send({ t: 'head', corr: this.corr, status, headers });
    return this;
  }
  write(chunk: string): boolean {
    this.send({ t: 'data', corr: this.corr, chunk });
    return true;
  }
  end(chunk: string): this {
    this.send({ t: 'end', corr: this.corr, chunk });
    this.emit('finish');
    return this;
  }
}

interface Waiting {
  readonly sink: RoundSink;
  readonly resolve: () => void;
  readonly reject: (err: Error) => void;
  timer: NodeJS.Timeout;
  answered: boolean;
}

/** The relay over Redis pub/sub: one subscriber connection, publishes on the shared one's duplicate. */
export class RedisExchangeRelay implements ExchangeRelay {
  private readonly pub: Redis;
  private readonly sub: Redis;
  /** Retries this replica forwarded, by correlation id, until their answer ends. */
  private readonly waiting = new Map<string, Waiting>();
  /** Rounds this replica writes for others, by correlation id: closed when the forwarding client goes away. */
  private readonly serving = new Map<string, RelayedSink>();
  private handler: ((retry: ForwardedRetry, sink: RoundSink) => Promise<void>) | undefined;

  readonly replica: string;
  private readonly onError: (err: unknown) => void;
  private readonly timings: RelayTimings;

  /** `client` is the shared connection (the relay runs on duplicates of it); `replica` names this process. */
  constructor(client: Redis, options: { replica: string; onError?: (err: unknown) => void; timings?: RelayTimings }) {
    this.replica = options.replica;
    const onError = (this.onError = options.onError ?? (() => {}));
    this.timings = options.timings ?? DEFAULT_TIMINGS;
    const replica = this.replica;
    this.pub = client.duplicate();
    this.pub.on('error', onError);
    // Its subscription waits for a connection and is renewed on every reconnect.
    this.sub = client.duplicate({ enableOfflineQueue: true });
    this.sub.on('error', onError);
    this.sub.on('message', (_channel: string, text: string) => this.received(text));
    this.sub.subscribe(channelOf(replica)).catch(onError);
  }

  forward(owner: string, retry: ForwardedRetry, sink: RoundSink): Promise<void> {
    const corr = randomUUID();
    return new Promise<void>((resolve, reject) => {
      const gone = (why: string) => () => this.settle(corr, new GatewayError(errors.GW_ERR_MCP_EXCHANGE_NOT_HERE, [why]));
      const waiting: Waiting = { sink, resolve, reject, answered: false, timer: setTimeout(gone('the replica that holds it did not answer'), this.timings.answerMs) };
      this.waiting.set(corr, waiting);
      sink.once('close', () => {
        if (!this.waiting.has(corr)) return;
        this.publish(owner, { t: 'close', corr });
        this.settle(corr);
      });
      this.publish(owner, { t: 'retry', corr, from: this.replica, retry }).catch((err: unknown) => {
        this.onError(err);
        this.settle(corr, new GatewayError(errors.GW_ERR_MCP_EXCHANGE_NOT_HERE, ['the replica that holds it cannot be reached (Redis)']));
      });
    });
  }

  serve(handler: (retry: ForwardedRetry, sink: RoundSink) => Promise<void>): void {
    this.handler = handler;
  }

  async ready(timeoutMs: number): Promise<void> {
    await connected(this.pub, timeoutMs);
  }

  close(): void {
    for (const corr of [...this.waiting.keys()]) this.settle(corr, new GatewayError(errors.GW_ERR_MCP_EXCHANGE_NOT_HERE, ['this replica is shutting down']));
    for (const sink of this.serving.values()) sink.emit('close');
    this.serving.clear();
    this.sub.disconnect();
    this.pub.disconnect();
  }

  private received(text: string): void {
    let e: Envelope;
    try {
      e = JSON.parse(text) as Envelope;
    } catch (err) {
      return this.onError(err);
    }
    if (e.t === 'retry') return void this.take(e.corr, e.from, e.retry);
    if (e.t === 'close') {
      this.serving.get(e.corr)?.emit('close');
      return;
    }
    const waiting = this.waiting.get(e.corr);
    if (!waiting) return;
    clearTimeout(waiting.timer);
    waiting.answered = true;
    if (e.t === 'refused') return this.settle(e.corr, rebuilt(e.error));
    if (e.t === 'head') waiting.sink.writeHead(e.status, e.headers);
    else if (e.t === 'data') waiting.sink.write(e.chunk);
    else if (e.t === 'end') {
      waiting.sink.end(e.chunk);
      return this.settle(e.corr);
    }
    waiting.timer = setTimeout(() => this.settle(e.corr, quiet()), this.timings.quietMs);
  }

  /** A retry forwarded here: its round written back to `from`, a beat while it runs, its refusal sent back. */
  private async take(corr: string, from: string, retry: ForwardedRetry): Promise<void> {
    const send = (e: Envelope) => void this.publish(from, e).catch(this.onError);
    const sink = new RelayedSink(send, corr);
    this.serving.set(corr, sink);
    // Taken: the forwarding replica now waits for the round (the member may think a while), beat by beat.
    send({ t: 'beat', corr });
    const beat = setInterval(() => send({ t: 'beat', corr }), this.timings.beatMs);
    const done = () => {
      clearInterval(beat);
      this.serving.delete(corr);
    };
    sink.once('finish', done).once('close', done);
    try {
      if (!this.handler) throw new GatewayError(errors.GW_ERR_MCP_EXCHANGE_NOT_HERE, ['the replica that holds it is not serving MCP']);
      await this.handler(retry, sink);
    } catch (err) {
      done();
      const g = isGatewayError(err) ? err : new GatewayError(errors.GW_ERR_INTERNAL, [(err as Error).message]);
      send({ t: 'refused', corr, error: { code: g.code, status: g.status, flag: g.flag, message: g.message, ...(g.data ? { data: { ...g.data } } : {}) } });
    }
  }

  /** Ends a forwarded retry: its answer written (no error), or refused with `err`. */
  private settle(corr: string, err?: GatewayError): void {
    const waiting = this.waiting.get(corr);
    if (!waiting) return;
    this.waiting.delete(corr);
    clearTimeout(waiting.timer);
    if (err) waiting.reject(err);
    else waiting.resolve();
  }

  private async publish(replica: string, e: Envelope): Promise<void> {
    await this.pub.publish(channelOf(replica), JSON.stringify(e));
  }
}

function quiet(): GatewayError {
  return new GatewayError(errors.GW_ERR_MCP_EXCHANGE_NOT_HERE, ['the replica that holds it stopped answering mid-round']);
}

/** The owner's refusal as this replica throws it: the same code, status, flag, message and data. */
function rebuilt(e: { code: string; status: number; flag: string; message: string; data?: Record<string, unknown> }): GatewayError {
  const def = { code: e.code, status: e.status, flag: e.flag, template: '%s' };
  return new GatewayError(def, [e.message], e.data ? { data: e.data } : {});
}
