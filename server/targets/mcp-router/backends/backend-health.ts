import type { McpBackend } from '../backend.js';

/**
 * Where a backend stands. `stopped`: nothing running and nothing wrong (never started, idle shutdown);
 * `starting`: a process or upstream session is being brought up; `ready`: an upstream answered `initialize`;
 * `down`: the last attempt failed (crash, refused connection), the next one may succeed; `crash-looping`:
 * stdio only, the process crashed too often and is held stopped until the cool-down ends.
 */
export type BackendState = 'stopped' | 'starting' | 'ready' | 'down' | 'crash-looping';

/** One state change, as told to listeners. */
export interface BackendStateChange {
  /** The server name. */
  readonly server: string;
  readonly state: BackendState;
  readonly previous: BackendState;
  /** Why, in words for logs and `agate status` (the crash, the refused connection). */
  readonly reason?: string;
}

/** A backend that reports its health, so the router can withdraw its tools while it is down. */
export interface SupervisedBackend extends McpBackend {
  /** The backend's current state and its change feed. */
  readonly health: BackendHealth;
}

/**
 * The health signal of one backend: a current state plus listeners. Kept as a tiny observable rather than an
 * EventEmitter so a throwing listener cannot break the supervisor that reports.
 */
export class BackendHealth {
  private current: BackendState = 'stopped';
  private lastReason: string | undefined;
  private changedAt = Date.now();
  private readonly listeners = new Set<(change: BackendStateChange) => void>();

  constructor(readonly server: string) {}

  /** The current state. */
  get state(): BackendState {
    return this.current;
  }

  /** Why the backend is in its current state, when it is not healthy. */
  get reason(): string | undefined {
    return this.lastReason;
  }

  /** When the backend entered its current state (ms since the epoch); its creation before any change. */
  get since(): number {
    return this.changedAt;
  }

  /** Moves to `state`; listeners hear only real changes. */
  set(state: BackendState, reason?: string): void {
    if (state === this.current) return;
    const previous = this.current;
    this.current = state;
    this.lastReason = reason;
    this.changedAt = Date.now();
    for (const listener of this.listeners) {
      try {
        listener({ server: this.server, state, previous, reason });
      } catch {
        // A listener's failure is its own; the supervisor must keep going.
      }
    }
  }

  /** Calls `listener` on every change; returns the unsubscribe function. */
  subscribe(listener: (change: BackendStateChange) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
}
