import { readFileSync } from 'node:fs';
import type { ScenarioResult } from './results.js';

/** One scenario known to fail, and why. */
export interface ExpectedFailure {
  scenario: string;
  /** Required: a baseline entry without a reason is a failure nobody owns. */
  reason: string;
  /** The run labels (e.g. `agate-remote-2026`) it applies to; absent: every run that reads this baseline. */
  targets?: readonly string[];
}

/** The parsed `expected-failures.json`. */
export interface Baseline {
  expectedFailures: readonly ExpectedFailure[];
}

/** Validation result, the house shape for edges. */
export type Validated<T> = { ok: true; value: T } | { ok: false; errors: string[] };

/** How one scenario's result compares with the baseline; `not-scored`: the requirement set runs it for visibility only. */
export type Verdict = 'pass' | 'expected-failure' | 'unexpected-failure' | 'stale-baseline' | 'not-scored';

/** A result with its verdict and, for baselined scenarios, the recorded reason. */
export interface JudgedResult extends ScenarioResult {
  verdict: Verdict;
  reason?: string;
}

/** Reads and validates a baseline file. */
export function loadBaseline(path: string): Validated<Baseline> {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    return { ok: false, errors: [`${path}: ${error instanceof Error ? error.message : String(error)}`] };
  }
  return validateBaseline(raw);
}

/**
 * Checks the shape: `{ "$comment"?: string, "expectedFailures": [{ "scenario", "reason", "targets"? }] }`; a
 * scenario is listed at most once per target (an entry without targets counts for every target).
 */
export function validateBaseline(raw: unknown): Validated<Baseline> {
  const errors: string[] = [];
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return { ok: false, errors: ['baseline must be a JSON object'] };
  const record = raw as Record<string, unknown>;
  for (const key of Object.keys(record)) if (key !== '$comment' && key !== 'expectedFailures') errors.push(`unknown key "${key}"`);
  const list = record.expectedFailures;
  if (!Array.isArray(list)) return { ok: false, errors: [...errors, 'expectedFailures must be an array'] };
  const seen = new Map<string, Set<string> | 'all'>();
  const entries: ExpectedFailure[] = [];
  list.forEach((item: unknown, i) => {
    const entry = validateEntry(item, `expectedFailures[${i}]`, errors);
    if (!entry) return;
    const clash = claim(seen, entry);
    if (clash !== undefined) errors.push(`expectedFailures[${i}]: duplicate scenario "${entry.scenario}"${clash ? ` for target ${clash}` : ''}`);
    entries.push(entry);
  });
  return errors.length > 0 ? { ok: false, errors } : { ok: true, value: Object.freeze({ expectedFailures: Object.freeze(entries) }) };
}

const ENTRY_KEYS = new Set(['scenario', 'reason', 'targets']);

function validateEntry(item: unknown, where: string, errors: string[]): ExpectedFailure | undefined {
  const entry = (typeof item === 'object' && item !== null ? item : {}) as Record<string, unknown>;
  const { scenario, reason, targets } = entry;
  const before = errors.length;
  if (typeof scenario !== 'string' || scenario === '') errors.push(`${where}.scenario must be a non-empty string`);
  if (typeof reason !== 'string' || reason.trim() === '') errors.push(`${where}.reason must explain the failure`);
  const targetsOk = targets === undefined || (Array.isArray(targets) && targets.length > 0 && targets.every((t) => typeof t === 'string' && t !== ''));
  if (!targetsOk) errors.push(`${where}.targets must be a non-empty array of run labels`);
  for (const key of Object.keys(entry)) if (!ENTRY_KEYS.has(key)) errors.push(`${where}: unknown key "${key}"`);
  if (errors.length > before) return undefined;
  const value = { scenario: scenario as string, reason: reason as string, ...(targets ? { targets: Object.freeze([...(targets as string[])]) } : {}) };
  return Object.freeze(value);
}

// Records the entry's (scenario, target) pairs; returns the clashing target ('' for a catch-all clash) or undefined.
function claim(seen: Map<string, Set<string> | 'all'>, entry: ExpectedFailure): string | undefined {
  const taken = seen.get(entry.scenario);
  if (taken === 'all' || (taken && !entry.targets)) return '';
  if (!entry.targets) {
    seen.set(entry.scenario, 'all');
    return undefined;
  }
  const set = taken ?? new Set<string>();
  const clash = entry.targets.find((t) => set.has(t));
  for (const t of entry.targets) set.add(t);
  seen.set(entry.scenario, set);
  return clash;
}

/**
 * Judges results against the baseline. A baselined scenario that now passes is an error too
 * (`stale-baseline`), so the file only ever lists failures that still happen. Baseline entries for
 * scenarios that did not run (a `--scenario` run, another suite) are ignored, and so are entries naming other
 * targets than `label`.
 */
export function judge(results: readonly ScenarioResult[], baseline: Baseline, label?: string): { results: JudgedResult[]; ok: boolean } {
  const applies = (e: ExpectedFailure): boolean => !e.targets || (label !== undefined && e.targets.includes(label));
  const reasons = new Map(baseline.expectedFailures.filter(applies).map((e) => [e.scenario, e.reason]));
  const judged = results.map((r): JudgedResult => {
    // The suite itself says these do not count for the revision; they are reported, never baselined.
    if (r.notScored !== undefined) return { ...r, verdict: 'not-scored' };
    const reason = reasons.get(r.scenario);
    if (reason === undefined) return { ...r, verdict: r.result === 'pass' ? 'pass' : 'unexpected-failure' };
    return { ...r, reason, verdict: r.result === 'pass' ? 'stale-baseline' : 'expected-failure' };
  });
  return { results: judged, ok: judged.every((r) => r.verdict === 'pass' || r.verdict === 'expected-failure' || r.verdict === 'not-scored') };
}
