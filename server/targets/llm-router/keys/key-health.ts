/**
 * Health of provider keys, kept outside snapshots so a reload never forgets that a key is bad (or was just
 * rate-limited). Passive ejection after N consecutive failures, then active probes until the key answers again
 * (higress-gateway-ai §1.8, without Higress's configured-model health check that burns tokens).
 */
import type { KeyShare } from '../../../shared-state/index.js';
import type { CompiledProvider, ProviderKey } from '../router/types.js';

/** Checks a key against the provider (e.g. GET models); true when the key works again. */
export type KeyProbe = (provider: CompiledProvider, key: ProviderKey) => Promise<boolean>;

interface KeyState {
  failures: number;
  ejected: boolean;
  /** Epoch ms before which the key is not used (Retry-After), unless nothing else is left. */
  cooldownUntil: number;
  timer?: NodeJS.Timeout;
  probing: boolean;
}

/** The public health of one key, for status output and tests. */
export interface KeyStatus {
  provider: string;
  key: string;
  failures: number;
  ejected: boolean;
  cooldownUntil: number;
}

/** Long-lived key rotation and ejection state for every provider. */
export class KeyHealth {
  private readonly states = new Map<string, KeyState>();
  private readonly cursors = new Map<string, number>();
  private closed = false;

  /**
   * `probe` is called for ejected keys every provider.probeIntervalMs; without one, a key is retried live.
   * `share` tells other replicas which keys this one ejected, and this one which keys they did.
   */
  constructor(
    private readonly probe?: KeyProbe,
    private readonly share?: KeyShare,
  ) {}

  /**
   * The keys to try for one request, in order: usable keys in rotation, then cooling-down or ejected keys as a
   * last resort (a request is better tried with a suspect key than refused). `[undefined]` for keyless providers.
   */
  order(provider: CompiledProvider): ReadonlyArray<ProviderKey | undefined> {
    const keys = provider.keys;
    if (keys.length === 0) return NO_KEY;
    // A lone key is tried whatever its health: there is no rotation and nothing to prefer it to.
    if (keys.length === 1) return keys;
    const start = this.cursors.get(provider.name) ?? 0;
    this.cursors.set(provider.name, (start + 1) % keys.length);
    const now = Date.now();
    const usable: ProviderKey[] = [];
    const suspect: Array<[ProviderKey, number]> = [];
    for (let i = 0; i < keys.length; i++) {
      const key = keys[(start + i) % keys.length]!;
      const id = stateId(provider, key);
      const s = this.states.get(id);
      const ejected = s?.ejected || this.share?.ejected(id);
      if (!ejected && (!s || s.cooldownUntil <= now)) usable.push(key);
      else suspect.push([key, ejected ? Number.MAX_SAFE_INTEGER : s!.cooldownUntil]);
    }
    suspect.sort((a, b) => a[1] - b[1]);
    return [...usable, ...suspect.map(([k]) => k)];
  }

  /** A call with `key` succeeded: its failure count resets and it rejoins the rotation. */
  succeeded(provider: CompiledProvider, key: ProviderKey | undefined): void {
    if (!key) return;
    const s = this.states.get(stateId(provider, key));
    if (s) this.recover(s, stateId(provider, key));
  }

  /** A call with `key` failed in a way that may be the key's fault; ejects it at the provider's threshold. */
  failed(provider: CompiledProvider, key: ProviderKey | undefined, retryAfterMs?: number): void {
    if (!key) return;
    const s = this.state(provider, key);
    s.failures++;
    if (retryAfterMs !== undefined && retryAfterMs > 0) s.cooldownUntil = Math.max(s.cooldownUntil, Date.now() + retryAfterMs);
    if (!s.ejected && s.failures >= provider.ejectAfterFailures) this.eject(provider, key, s);
  }

  /** Every key with state, for status and tests. */
  status(): KeyStatus[] {
    return [...this.states.entries()].map(([id, s]) => {
      const [provider, key] = id.split('\0');
      return { provider: provider!, key: key!, failures: s.failures, ejected: s.ejected, cooldownUntil: s.cooldownUntil };
    });
  }

  /** Stops every probe timer (gateway shutdown). */
  close(): void {
    this.closed = true;
    for (const s of this.states.values()) clearInterval(s.timer);
  }

  private state(provider: CompiledProvider, key: ProviderKey): KeyState {
    const id = stateId(provider, key);
    let s = this.states.get(id);
    if (!s) {
      s = { failures: 0, ejected: false, cooldownUntil: 0, probing: false };
      this.states.set(id, s);
    }
    return s;
  }

  private eject(provider: CompiledProvider, key: ProviderKey, s: KeyState): void {
    s.ejected = true;
    const id = stateId(provider, key);
    // Other replicas skip it for two probe intervals, renewed while the probes keep failing.
    const shareFor = provider.probeIntervalMs * 2;
    this.share?.eject(id, shareFor);
    if (this.closed) return;
    s.timer = setInterval(() => {
      if (!this.probe) {
        // No probe: let live traffic try it once more; one more failure ejects it again.
        s.failures = provider.ejectAfterFailures - 1;
        s.ejected = false;
        this.share?.recover(id);
        clearInterval(s.timer);
        return;
      }
      if (s.probing) return;
      s.probing = true;
      this.probe(provider, key)
        .then((ok) => (ok ? this.recover(s, id) : this.share?.eject(id, shareFor)))
        .catch(() => undefined)
        .finally(() => (s.probing = false));
    }, provider.probeIntervalMs).unref();
  }

  private recover(s: KeyState, id: string): void {
    if (s.ejected) this.share?.recover(id);
    s.failures = 0;
    s.ejected = false;
    s.cooldownUntil = 0;
    clearInterval(s.timer);
    s.timer = undefined;
  }
}

const NO_KEY: ReadonlyArray<undefined> = Object.freeze([undefined]);

/** Keyed by the key's value too, so replacing a secret starts the new key with a clean record. */
function stateId(provider: CompiledProvider, key: ProviderKey): string {
  return `${provider.name}\0${key.id}\0${key.value}`;
}
