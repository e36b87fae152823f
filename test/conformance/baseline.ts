import { readFileSync } from 'node:fs';
import type { ScenarioResult } from './results.js';

/** One scenario known to fail, and why. */
export interface ExpectedFailure {
  scenario: string;
  /** Required: a baseline entry without a reason is a failure nobody owns. */
  reason: string;
}

/** The parsed `expected-failures.json`. */
export interface Baseline {
  expectedFailures: readonly ExpectedFailure[];
}

/** Validation result, the house shape for edges. */
export type Validated<T> = { ok: true; value: T } | { ok: false; errors: string[] };

/** How one scenario's result compares with the baseline. */
export type Verdict = 'pass' | 'expected-failure' | 'unexpected-failure' | 'stale-baseline';

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

/** Checks the shape: `{ "$comment"?: string, "expectedFailures": [{ "scenario", "reason" }] }`, no duplicates. */
export function validateBaseline(raw: unknown): Validated<Baseline> {
  const errors: string[] = [];
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return { ok: false, errors: ['baseline must be a JSON object'] };
  const record = raw as Record<string, unknown>;
  for (const key of Object.keys(record)) if (key !== '$comment' && key !== 'expectedFailures') errors.push(`unknown key "${key}"`);
  const list = record.expectedFailures;
  if (!Array.isArray(list)) return { ok: false, errors: [...errors, 'expectedFailures must be an array'] };
  const seen = new Set<string>();
  const entries: ExpectedFailure[] = [];
  list.forEach((item: unknown, i) => {
    const entry = (typeof item === 'object' && item !== null ? item : {}) as Record<string, unknown>;
    const { scenario, reason } = entry;
    if (typeof scenario !== 'string' || scenario === '') errors.push(`expectedFailures[${i}].scenario must be a non-empty string`);
    else if (seen.has(scenario)) errors.push(`expectedFailures[${i}]: duplicate scenario "${scenario}"`);
    if (typeof reason !== 'string' || reason.trim() === '') errors.push(`expectedFailures[${i}].reason must explain the failure`);
    for (const key of Object.keys(entry)) if (key !== 'scenario' && key !== 'reason') errors.push(`expectedFailures[${i}]: unknown key "${key}"`);
    if (typeof scenario === 'string' && typeof reason === 'string') {
      seen.add(scenario);
      entries.push(Object.freeze({ scenario, reason }));
    }
  });
  return errors.length > 0 ? { ok: false, errors } : { ok: true, value: Object.freeze({ expectedFailures: Object.freeze(entries) }) };
}

/**
 * Judges results against the baseline. A baselined scenario that now passes is an error too
 * (`stale-baseline`), so the file only ever lists failures that still happen. Baseline entries for
 * scenarios that did not run (a `--scenario` run, another suite) are ignored.
 */
export function judge(results: readonly ScenarioResult[], baseline: Baseline): { results: JudgedResult[]; ok: boolean } {
  const reasons = new Map(baseline.expectedFailures.map((e) => [e.scenario, e.reason]));
  const judged = results.map((r): JudgedResult => {
    const reason = reasons.get(r.scenario);
    if (reason === undefined) return { ...r, verdict: r.result === 'pass' ? 'pass' : 'unexpected-failure' };
    return { ...r, reason, verdict: r.result === 'pass' ? 'stale-baseline' : 'expected-failure' };
  });
  return { results: judged, ok: judged.every((r) => r.verdict === 'pass' || r.verdict === 'expected-failure') };
}
