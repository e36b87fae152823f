import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import type { Logger } from 'pino';
import type { ConnectOptions } from '../backend.js';
import { capabilityKey, withoutRoots } from '../client-capabilities.js';
import { BackendHealth } from './backend-health.js';
import { CrashPolicy } from './crash-policy.js';
import type { StdioBackendOptions } from './options.js';
import { StdioChild, type ChildExit } from './stdio-child.js';
import { RateLimitedLog } from './rate-limited-log.js';
import { StdioMux } from './stdio-mux.js';

/** One running process and the sessions on it. */
interface Slot {
  readonly child: StdioChild;
  readonly mux: StdioMux;
  /** The client capabilities (without roots) of the sessions a shared process serves; undefined: one session's own. */
  readonly sharedKey: string | undefined;
  ready: boolean;
  idleTimer?: NodeJS.Timeout;
}

/**
 * Runs the processes of one stdio server. A shared process serves every session that declared the same client
 * capabilities (a server may register tools from them, and it initializes once), started on demand and stopped
 * after `idleShutdownMs` without sessions; a process of its own (isolation `per-session`, or `auto` for a session
 * that declares roots) serves one session (up to `maxProcesses` of them) and stops with it. A crash ends the sessions on that process (the router
 * reconnects them); the next start waits out an exponential backoff, and a crash loop holds the server stopped
 * for a cool-down. Restarts are driven by demand, so a server nobody uses is never restarted.
 */
export class StdioSupervisor {
  /** The health signal the router uses to withdraw this server's tools. */
  readonly health: BackendHealth;
  private readonly slots = new Set<Slot>();
  private readonly policy: CrashPolicy;
  private readonly log: Logger;
  private readonly shared = new Map<string, Slot>();
  private readonly starting = new Map<string, Promise<Slot>>();
  private coolDownTimer: NodeJS.Timeout | undefined;
  private lastCrash = '';
  private closed = false;

  constructor(
    private readonly options: StdioBackendOptions,
    log: Logger,
  ) {
    this.log = log.child({ server: options.name });
    this.health = new BackendHealth(options.name);
    this.policy = new CrashPolicy(options);
  }

  /** Process ids running now (for status output and tests). */
  get pids(): number[] {
    return [...this.slots].map((s) => s.child.pid).filter((pid): pid is number => pid !== undefined);
  }

  /** A new upstream session: on the shared process for its client capabilities, or on a process of its own. */
  async connect(options: ConnectOptions = {}): Promise<Transport> {
    const caps = options.clientCapabilities ?? {};
    const { isolation } = this.options;
    const own = isolation === 'per-session' || (isolation === 'auto' && caps.roots !== undefined);
    this.assertAvailable(own);
    const slot = own ? await this.startSlot(undefined) : await this.sharedSlot(capabilityKey(withoutRoots(caps)));
    if (slot.child.isExited) throw new Error(`MCP server "${this.options.name}" exited while starting: ${this.lastCrash}`);
    clearTimeout(slot.idleTimer);
    return slot.mux.attach();
  }

  /** Stops every process and refuses new sessions (server removed or changed, gateway shutdown). */
  async close(): Promise<void> {
    this.closed = true;
    for (const slot of this.slots) clearTimeout(slot.idleTimer);
    clearTimeout(this.coolDownTimer);
    await Promise.all([...this.slots].map((slot) => slot.child.stop()));
    this.health.set('stopped', 'closed');
  }

  /** Throws when no session may start now; `own`: the session needs a process of its own. */
  private assertAvailable(own: boolean): void {
    const name = this.options.name;
    if (this.closed) throw new Error(`MCP server "${name}": backend is closed`);
    if (this.policy.isLooping()) {
      const until = new Date(this.policy.coolDownEndsAt).toISOString();
      throw new Error(
        `MCP server "${name}" is crash-looping (${this.options.maxCrashes} crashes within ${this.options.crashWindowMs} ms, last: ${this.lastCrash}); held stopped until ${until}`,
      );
    }
    const owned = [...this.slots].filter((s) => s.sharedKey === undefined).length;
    if (own && owned >= this.options.maxProcesses) {
      throw new Error(`MCP server "${name}": all ${this.options.maxProcesses} per-session processes are in use`);
    }
  }

  private async sharedSlot(key: string): Promise<Slot> {
    const running = this.shared.get(key);
    if (running && !running.child.isExited) return running;
    let starting = this.starting.get(key);
    if (!starting) {
      starting = this.startSlot(key).finally(() => this.starting.delete(key));
      this.starting.set(key, starting);
    }
    return starting;
  }

  /** Starts a process: shared by the sessions with capabilities `sharedKey`, or (undefined) one session's own. */
  private async startSlot(sharedKey: string | undefined): Promise<Slot> {
    const wait = this.policy.waitBeforeStart();
    if (wait > this.options.maxStartWaitMs) {
      throw new Error(`MCP server "${this.options.name}" is restarting after a crash (${this.lastCrash}); next start in ${wait} ms`);
    }
    if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
    this.assertAvailable(sharedKey === undefined);
    return this.spawn(sharedKey);
  }

  private spawn(sharedKey: string | undefined): Slot {
    if (this.slots.size === 0) this.health.set('starting');
    let slot: Slot | undefined;
    const strayLogs = new RateLimitedLog(this.log, this.options.stderrRate, 'mcp stdio server log message not tied to one session (not forwarded)');
    const muxOptions = { server: this.options.name, requestTimeoutMs: this.options.requestTimeoutMs, shared: sharedKey !== undefined, strayLogs };
    const mux = new StdioMux(muxOptions, (m) => child.send(m), {
      onReady: () => this.onReady(slot),
      onIdle: () => this.onIdle(slot),
    });
    const child: StdioChild = new StdioChild(this.options, this.log, {
      onMessage: (m) => mux.deliver(m),
      onExit: (exit) => this.onExit(slot as Slot, exit),
    });
    slot = { child, mux, sharedKey, ready: false };
    this.slots.add(slot);
    if (sharedKey !== undefined) this.shared.set(sharedKey, slot);
    const isolation = sharedKey === undefined ? 'per-session' : 'shared';
    this.log.info({ pid: child.pid, command: this.options.command, isolation }, 'mcp stdio server started');
    return slot;
  }

  private onReady(slot: Slot | undefined): void {
    if (!slot || slot.ready) return;
    slot.ready = true;
    if (!this.policy.isLooping()) this.health.set('ready');
  }

  private onIdle(slot: Slot | undefined): void {
    if (!slot || slot.child.isExited) return;
    if (slot.sharedKey === undefined) return void slot.child.stop();
    if (this.options.idleShutdownMs <= 0) return;
    clearTimeout(slot.idleTimer);
    slot.idleTimer = setTimeout(() => {
      if (slot.mux.size > 0) return;
      this.log.info({ pid: slot.child.pid, idleMs: this.options.idleShutdownMs }, 'mcp stdio server idle: stopping');
      void slot.child.stop();
    }, this.options.idleShutdownMs);
    slot.idleTimer.unref();
  }

  private onExit(slot: Slot, exit: ChildExit): void {
    this.slots.delete(slot);
    clearTimeout(slot.idleTimer);
    if (slot.sharedKey !== undefined && this.shared.get(slot.sharedKey) === slot) this.shared.delete(slot.sharedKey);
    slot.mux.closeAll();
    if (exit.requested || this.closed) {
      if (this.slots.size === 0 && this.health.state !== 'crash-looping') this.health.set('stopped', 'stopped');
      return;
    }
    this.lastCrash = describeExit(exit);
    this.log.warn({ pid: slot.child.pid, reason: this.lastCrash }, 'mcp stdio server exited unexpectedly');
    if (this.policy.recordCrash(slot.child.startedAt)) return this.enterCrashLoop();
    const anyReady = [...this.slots].some((s) => s.ready);
    this.health.set(anyReady ? 'ready' : 'down', this.lastCrash);
  }

  private enterCrashLoop(): void {
    const { maxCrashes, crashWindowMs, crashCooldownMs } = this.options;
    this.log.error({ maxCrashes, crashWindowMs, crashCooldownMs, reason: this.lastCrash }, 'mcp stdio server is crash-looping: held stopped');
    this.health.set('crash-looping', this.lastCrash);
    clearTimeout(this.coolDownTimer);
    this.coolDownTimer = setTimeout(() => {
      this.policy.reset();
      if (!this.closed) this.health.set(this.slots.size > 0 ? 'ready' : 'stopped', 'cool-down over');
    }, crashCooldownMs);
    this.coolDownTimer.unref();
  }
}

function describeExit(exit: ChildExit): string {
  if (exit.error) return `could not start: ${exit.error.message}`;
  if (exit.signal) return `killed by ${exit.signal}`;
  return `exited with code ${exit.code}`;
}
