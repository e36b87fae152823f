import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/** One check as the suite writes it to checks.json (0.1.16 `ConformanceCheck`, the fields we read). */
export interface SuiteCheck {
  id: string;
  status: 'SUCCESS' | 'FAILURE' | 'WARNING' | 'SKIPPED' | 'INFO';
  description?: string;
  errorMessage?: string;
}

/** One scenario's outcome. */
export interface ScenarioResult {
  scenario: string;
  /** `fail` when any check failed or the scenario produced no checks.json (it threw). */
  result: 'pass' | 'fail';
  passed: number;
  failed: number;
  warnings: number;
  /** `check-id: message` for each failed check, and `check-id: warning: message` for warnings. */
  notes: string[];
  /** Why the requirement set runs it without scoring it (`extension`, `pending`, ...); absent: scored. */
  notScored?: string;
}

// Result folders are `server-<scenario>-<ISO timestamp with : and . replaced by ->` (suite src/runner/utils.ts).
const RESULT_DIR = /^server-(.+)-\d{4}-\d{2}-\d{2}T\d{2}-\d{2}-\d{2}-\d{3}Z$/;
// Logged by the suite before each scenario, in both the suite and the single-scenario paths.
const RAN_LINE = /Running client scenario '([^']+)'/g;

/**
 * Reads every scenario's checks.json under `outputDir`. Scenarios the suite announced in `output` but that
 * left no checks.json (an exception escaped the scenario) are reported as failures, not silently dropped.
 */
export function readResults(outputDir: string, output: string): ScenarioResult[] {
  const checksByScenario = new Map<string, SuiteCheck[]>();
  for (const entry of readdirSync(outputDir, { withFileTypes: true })) {
    const match = entry.isDirectory() ? RESULT_DIR.exec(entry.name) : null;
    if (!match) continue;
    const checks = JSON.parse(readFileSync(join(outputDir, entry.name, 'checks.json'), 'utf8')) as SuiteCheck[];
    checksByScenario.set(match[1]!, checks);
  }
  const announced = [...output.matchAll(RAN_LINE)].map((m) => m[1]!);
  const order = [...new Set([...announced, ...checksByScenario.keys()])];
  const notScored = notScoredIn(output);
  return order.map((scenario) => {
    const result = summarise(scenario, checksByScenario.get(scenario));
    const why = notScored.get(scenario);
    return why === undefined ? result : { ...result, notScored: why };
  });
}

// `--requirements` runs (0.2 suites) end with `Not scored for <rev>: …` and one `  ✗ name (reason)` line per scenario.
const NOT_SCORED_HEADER = /^Not scored for \S+:/;
const NOT_SCORED_LINE = /^\s+[✗✓] (\S+) \(([^)]+)\)\s*$/;

/**
 * The scenarios a requirement set ran without scoring them, with the suite's reason (its `not_scored` list:
 * extensions such as tasks, pending scenarios, ones added after the revision shipped), read from its summary.
 */
export function notScoredIn(output: string): Map<string, string> {
  const found = new Map<string, string>();
  let inSection = false;
  for (const line of output.split('\n')) {
    if (NOT_SCORED_HEADER.test(line)) inSection = true;
    else if (inSection) {
      const match = NOT_SCORED_LINE.exec(line);
      if (!match) break;
      found.set(match[1]!, match[2]!);
    }
  }
  return found;
}

/** Folds one scenario's checks into a result; `undefined` checks means the scenario crashed. */
export function summarise(scenario: string, checks: SuiteCheck[] | undefined): ScenarioResult {
  if (!checks) return { scenario, result: 'fail', passed: 0, failed: 1, warnings: 0, notes: ['no checks.json: the scenario threw (see the suite output)'] };
  const count = (status: SuiteCheck['status']): number => checks.filter((c) => c.status === status).length;
  const notes = checks.flatMap((c) => {
    if (c.status === 'FAILURE') return [`${c.id}: ${c.errorMessage ?? c.description ?? 'failed'}`];
    if (c.status === 'WARNING') return [`${c.id}: warning: ${c.errorMessage ?? c.description ?? ''}`];
    return [];
  });
  const failed = count('FAILURE');
  return { scenario, result: failed > 0 ? 'fail' : 'pass', passed: count('SUCCESS'), failed, warnings: count('WARNING'), notes };
}
