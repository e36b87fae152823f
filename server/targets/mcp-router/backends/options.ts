import type { McpBackendSpec } from '../../../../registry/index.js';
import type { TokenEndpoint } from '../../../auth/upstream-tokens.js';
import type { ConsentEndpoint } from '../../../auth/vault/index.js';
import type { LogRate } from './rate-limited-log.js';

/** The registry's stdio backend spec. */
export type StdioBackendSpec = Extract<McpBackendSpec, { kind: 'stdio' }>;

/** The registry's remote backend spec. */
export type RemoteBackendSpec = Extract<McpBackendSpec, { kind: 'remote' }>;

/** Supervision and limits of a stdio server; any field may come from the server's config or the defaults. */
export interface StdioTuning {
  /**
   * `shared`: sessions that declared the same client capabilities share one process, which is never told of
   * roots; `per-session`: one process per session; `auto` (the default, no `isolation` in the config): shared,
   * but a session that declares roots gets a process of its own.
   */
  readonly isolation: 'auto' | 'shared' | 'per-session';
  /** Most processes of their own (per-session) at once; one more session that needs one is refused. */
  readonly maxProcesses: number;
  /** Deadline of one request without an answer or progress, ms (0: none). */
  readonly requestTimeoutMs: number;
  /** Longest stdout line (one JSON-RPC message), bytes; longer ones are dropped and logged. */
  readonly maxLineBytes: number;
  /** First restart delay after a crash, ms; doubles per consecutive crash. */
  readonly restartInitialMs: number;
  /** Longest restart delay, ms. */
  readonly restartMaxMs: number;
  /** A process that ran this long is healthy again: the restart delay starts over, ms. */
  readonly stableAfterMs: number;
  /** This many crashes within `crashWindowMs` stop the server (crash-looping). */
  readonly maxCrashes: number;
  /** Window for `maxCrashes`, ms. */
  readonly crashWindowMs: number;
  /** How long a crash-looping server stays stopped before a new demand may start it, ms. */
  readonly crashCooldownMs: number;
  /** A shared process without sessions is stopped after this long, ms (0: never). */
  readonly idleShutdownMs: number;
  /** Time between SIGTERM and SIGKILL when stopping, ms. */
  readonly stopGraceMs: number;
  /** A connect() waits at most this long for a restart delay to pass; beyond it, it fails at once, ms. */
  readonly maxStartWaitMs: number;
  /** stderr lines logged per server. */
  readonly stderrRate: LogRate;
  /** Longest stderr line logged, bytes (the rest is cut). */
  readonly maxStderrLineBytes: number;
}

/** Everything a stdio backend runs on: the registry spec, resolved tuning and the server's name. */
export interface StdioBackendOptions extends StdioTuning {
  readonly name: string;
  readonly command: string;
  readonly args: readonly string[];
  /** Added to the small safe base environment (PATH, HOME, …); agate's own environment is not passed on. */
  readonly env: Readonly<Record<string, string>>;
  readonly cwd?: string;
}

/** Built-in stdio defaults. */
export const STDIO_DEFAULTS: StdioTuning = Object.freeze({
  isolation: 'auto',
  maxProcesses: 16,
  requestTimeoutMs: 120_000,
  maxLineBytes: 4 * 1024 * 1024,
  restartInitialMs: 250,
  restartMaxMs: 30_000,
  stableAfterMs: 30_000,
  maxCrashes: 5,
  crashWindowMs: 60_000,
  crashCooldownMs: 5 * 60_000,
  idleShutdownMs: 10 * 60_000,
  stopGraceMs: 2_000,
  maxStartWaitMs: 5_000,
  stderrRate: Object.freeze({ linesPerSecond: 20, burst: 100 }),
  maxStderrLineBytes: 2048,
});

/** Resolves a stdio spec: spec fields (when the schema carries them) over `defaults` over the built-ins. */
export function resolveStdioOptions(name: string, spec: StdioBackendSpec, defaults: Partial<StdioTuning> = {}): StdioBackendOptions {
  const tuning = { ...STDIO_DEFAULTS, ...defaults, ...pickDefined(spec as Partial<StdioTuning>, STDIO_DEFAULTS) };
  return Object.freeze({ ...tuning, name, command: spec.command, args: spec.args ?? [], env: spec.env ?? {}, cwd: spec.cwd });
}

/** Timeouts and reconnection of a remote server. */
export interface RemoteTuning {
  /** Deadline to open the TCP/TLS connection, ms. */
  readonly connectTimeoutMs: number;
  /** Deadline of one request without an answer or progress, ms (0: none). */
  readonly requestTimeoutMs: number;
  /** Attempts to resume a broken upstream SSE stream with Last-Event-ID before giving up. */
  readonly resumeRetries: number;
  /** First delay before resuming a broken stream, ms (grows 1.5× per attempt). */
  readonly resumeInitialMs: number;
  /**
   * Largest message the upstream may send, bytes: a JSON answer, or one event of a stream. A larger one is not
   * read further; the request it answers fails with a JSON-RPC error, and the session goes on.
   */
  readonly maxMessageBytes: number;
  /**
   * Most requests in flight to the server at once, over all sessions (0: no limit); more wait in the gateway, in
   * arrival order. A server that falls behind then sees a steady queue instead of every request at once, so the
   * requests that open new sessions still get their answers within the connect deadline.
   */
  readonly maxConcurrentRequests: number;
  /**
   * Lower-case client headers passed upstream on tools/call (e.g. `authorization`); empty: only the configured
   * credentials are ever sent, never the client's own token.
   */
  readonly passthroughHeaders: readonly string[];
}

/** Everything a remote backend runs on. */
export interface RemoteBackendOptions extends RemoteTuning {
  readonly name: string;
  readonly url: string;
  readonly transport: 'streamable-http' | 'sse';
  /** Static upstream headers (API keys already decrypted by the snapshot compiler). */
  readonly headers: Readonly<Record<string, string>>;
  /** Where the server's bearer token comes from (`upstreamAuth`, secret decrypted), if anywhere. */
  readonly upstreamAuth?: TokenEndpoint | ConsentEndpoint;
}

/** Built-in remote defaults. */
export const REMOTE_DEFAULTS: RemoteTuning = Object.freeze({
  connectTimeoutMs: 5_000,
  requestTimeoutMs: 120_000,
  resumeRetries: 3,
  resumeInitialMs: 500,
  maxMessageBytes: 4 * 1024 * 1024,
  maxConcurrentRequests: 256,
  passthroughHeaders: Object.freeze([]) as readonly string[],
});

/** Resolves a remote spec: `maxMessageBytes` and `maxConcurrentRequests` may come from it; the schema's `timeoutMs` is the per-request deadline. */
export function resolveRemoteOptions(name: string, spec: RemoteBackendSpec, defaults: Partial<RemoteTuning> = {}): Omit<RemoteBackendOptions, 'upstreamAuth'> {
  const fromSpec = pickDefined(spec as Partial<RemoteTuning>, REMOTE_DEFAULTS);
  const tuning = { ...REMOTE_DEFAULTS, ...defaults, ...fromSpec };
  if (spec.timeoutMs !== undefined) tuning.requestTimeoutMs = spec.timeoutMs;
  const passthrough = remotePassthroughHeaders(spec);
  if (passthrough.length) tuning.passthroughHeaders = passthrough;
  return Object.freeze({ ...tuning, name, url: spec.url, transport: spec.transport ?? 'streamable-http', headers: spec.headers ?? {} });
}

/**
 * The client headers a remote server gets from the router on tools/call: Authorization for Higress mcp-proxy
 * `passthroughAuthHeader` (sent on as it is) and for token exchange (exchanged, never sent on as it is).
 */
export function remotePassthroughHeaders(spec: RemoteBackendSpec): readonly string[] {
  return spec.passthroughAuthHeader || spec.upstreamAuth?.type === 'token_exchange' ? AUTHORIZATION : NONE;
}

const AUTHORIZATION: readonly string[] = Object.freeze(['authorization']);
const NONE: readonly string[] = Object.freeze([]);

/** The fields of `source` that `shape` knows and that are set. */
function pickDefined<T extends object>(source: Partial<T>, shape: T): Partial<T> {
  const out: Partial<T> = {};
  for (const key of Object.keys(shape) as (keyof T)[]) {
    if (source[key] !== undefined) out[key] = source[key];
  }
  return out;
}
