import type { Router } from './types.js';

/** What a tool-name route matches on. */
export interface ToolMatch {
  /** The exposed tool name (`exact`), or the start of every name one member exposes (`prefix`, e.g. `weather___`). */
  readonly name: string;
  readonly kind: 'exact' | 'prefix';
  /** The member's position at its endpoint: on equal names the earlier member wins (bundle order is precedence). */
  readonly order: number;
}

interface Entry<T> {
  readonly name: string;
  readonly order: number;
  readonly value: T;
}

/**
 * Routes an exposed tool name (the key) to what serves it. Order: an exact name > a longer prefix > a shorter
 * prefix, then the lower `order`; an identical match added again keeps the first value. Exact names sit in a map:
 * tools/call is the MCP hot path and an endpoint may expose hundreds of tools.
 */
export class ToolRouter<T> implements Router<ToolMatch, string, T> {
  private readonly exact = new Map<string, Entry<T>>();
  /** Prefix entries in match order. */
  private readonly prefixes: Entry<T>[] = [];

  add(m: ToolMatch, value: T): void {
    const entry = { name: m.name, order: m.order, value };
    if (m.kind === 'exact') {
      const held = this.exact.get(m.name);
      if (!held || m.order < held.order) this.exact.set(m.name, entry);
      return;
    }
    const at = this.prefixes.findIndex((p) => ranksBefore(entry, p));
    this.prefixes.splice(at === -1 ? this.prefixes.length : at, 0, entry);
  }

  match(name: string): T | undefined {
    const hit = this.exact.get(name);
    if (hit) return hit.value;
    for (const p of this.prefixes) if (name.startsWith(p.name)) return p.value;
    return undefined;
  }
}

/** Whether prefix `a` is tried before `b`: longer first, then lower order; ties stay behind (first added wins). */
function ranksBefore(a: Entry<unknown>, b: Entry<unknown>): boolean {
  if (a.name.length !== b.name.length) return a.name.length > b.name.length;
  return a.order < b.order;
}
