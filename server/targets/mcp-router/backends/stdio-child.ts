import type { ChildProcessWithoutNullStreams } from 'node:child_process';
import { getDefaultEnvironment } from '@modelcontextprotocol/sdk/client/stdio.js';
import type { JSONRPCMessage } from '@modelcontextprotocol/sdk/types.js';
import { isJsonRpcMessage } from '../json-rpc.js';
import type { Logger } from 'pino';
import { LineFramer } from './line-framer.js';
import type { StdioBackendOptions } from './options.js';
import { signalGroup, spawnInGroup } from './process-group.js';
import { RateLimitedLog } from './rate-limited-log.js';

/** How a child ended. */
export interface ChildExit {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  /** True when we asked it to stop; false is a crash. */
  readonly requested: boolean;
  /** The spawn error, if it never ran (ENOENT, EACCES). */
  readonly error?: Error;
}

/** What a child reports to its owner. */
export interface ChildHandlers {
  onMessage(message: JSONRPCMessage): void;
  onExit(exit: ChildExit): void;
}

/**
 * One stdio MCP server process: newline-delimited JSON-RPC on stdin/stdout, stderr into the log. A bad stdout
 * line (not JSON, not JSON-RPC, too long) is logged and skipped: many servers print a banner there by mistake.
 */
export class StdioChild {
  /** When the process was spawned (ms since epoch). */
  readonly startedAt = Date.now();
  private readonly proc: ChildProcessWithoutNullStreams;
  private exitInfo: ChildExit | undefined;
  private stopRequested = false;
  private readonly exited: Promise<ChildExit>;
  private readonly handlers: ChildHandlers;
  /** Where stdout lines that are not JSON-RPC go (rate limited). */
  private readonly noise: RateLimitedLog;

  constructor(
    private readonly options: StdioBackendOptions,
    /** Already tagged with the server name. */
    log: Logger,
    handlers: ChildHandlers,
  ) {
    const env = { ...(getDefaultEnvironment() as Record<string, string>), ...options.env };
    this.proc = spawnInGroup({ command: options.command, args: options.args, env, cwd: options.cwd });
    const stderr = new RateLimitedLog(log, options.stderrRate, 'mcp stdio server stderr');
    this.handlers = handlers;
    this.noise = new RateLimitedLog(log, options.stderrRate, 'mcp stdio server wrote a non-JSON-RPC line on stdout');
    const out = new LineFramer(options.maxLineBytes, (line, dropped) => this.onStdoutLine(line, dropped));
    const err = new LineFramer(options.maxStderrLineBytes, (line, dropped) =>
      stderr.write(line, 'info', dropped > 0 ? { truncatedBytes: dropped } : {}),
    );
    this.proc.stdout.on('data', (chunk: Buffer) => out.push(chunk));
    this.proc.stderr.on('data', (chunk: Buffer) => err.push(chunk));
    this.proc.stderr.on('end', () => err.end());
    // EPIPE on a dead child's stdin surfaces here; the exit handler reports the death.
    this.proc.stdin.on('error', () => {});
    this.exited = new Promise((resolve) => {
      this.proc.once('error', (error) => {
        // A spawn failure emits 'error' and no 'exit'; a later 'error' (kill failed) is followed by 'exit'.
        if (this.proc.pid === undefined) resolve(this.finish({ code: null, signal: null, requested: this.stopRequested, error }));
      });
      this.proc.once('exit', (code, signal) => resolve(this.finish({ code, signal, requested: this.stopRequested })));
    });
    void this.exited.then((exit) => {
      stderr.flush();
      this.noise.flush();
      handlers.onExit(exit);
    });
  }

  /** The process id (undefined if the spawn failed). */
  get pid(): number | undefined {
    return this.proc.pid;
  }

  /** True once the process has exited (or never started). */
  get isExited(): boolean {
    return this.exitInfo !== undefined;
  }

  /** Writes one message as a line; rejects if the process is gone. */
  send(message: JSONRPCMessage): Promise<void> {
    if (this.exitInfo || !this.proc.stdin.writable) return Promise.reject(new Error(`MCP server "${this.options.name}" is not running`));
    return new Promise((resolve, reject) => {
      this.proc.stdin.write(JSON.stringify(message) + '\n', (err) => (err ? reject(err) : resolve()));
    });
  }

  /**
   * Stops the process: closes stdin (the stdio spec's polite shutdown), then SIGTERM to the group, then SIGKILL
   * after the grace period. Resolves once the leader has exited and been reaped.
   */
  async stop(): Promise<ChildExit> {
    if (this.exitInfo) return this.exitInfo;
    this.stopRequested = true;
    this.proc.stdin.end();
    const pid = this.proc.pid;
    if (pid !== undefined) signalGroup(pid, 'SIGTERM');
    const kill = setTimeout(() => pid !== undefined && signalGroup(pid, 'SIGKILL'), this.options.stopGraceMs);
    try {
      return await this.exited;
    } finally {
      clearTimeout(kill);
    }
  }

  private finish(exit: ChildExit): ChildExit {
    this.exitInfo ??= exit;
    return this.exitInfo;
  }

  private onStdoutLine(line: string, dropped: number): void {
    const noise = this.noise;
    if (dropped > 0) {
      noise.write(line.slice(0, 200), 'warn', { reason: `line longer than ${this.options.maxLineBytes} bytes`, droppedBytes: dropped });
      return;
    }
    if (line.trim() === '') return;
    let parsed: unknown;
    try {
      parsed = JSON.parse(line);
    } catch {
      noise.write(line.slice(0, 500), 'warn');
      return;
    }
    if (!isJsonRpcMessage(parsed)) {
      noise.write(line.slice(0, 500), 'warn', { reason: 'not a JSON-RPC message' });
      return;
    }
    this.handlers.onMessage(parsed);
  }
}
