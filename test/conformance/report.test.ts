import { describe, expect, it } from 'vitest';
import type { JudgedResult } from './baseline.js';
import { renderMatrix } from './report.js';

const judged = (scenario: string, verdict: JudgedResult['verdict'], extra: Partial<JudgedResult> = {}): JudgedResult => ({
  scenario,
  result: verdict === 'pass' || verdict === 'stale-baseline' ? 'pass' : 'fail',
  passed: 1,
  failed: verdict === 'pass' ? 0 : 1,
  warnings: 0,
  notes: [],
  verdict,
  ...extra,
});

describe('the scenario × target matrix of docs/conformance.md', () => {
  const runs = [
    { label: 'agate-2026', results: [judged('caching', 'pass'), judged('server-stateless', 'expected-failure', { reason: 'no diagnostic tools' })] },
    { label: 'agate-modern-2026', results: [judged('caching', 'pass'), judged('tasks-lifecycle', 'not-scored', { notScored: 'extension' })] },
  ];

  it('has one row per scenario in first-seen order and one column per run, a dash where a run lacks the scenario', () => {
    const lines = renderMatrix(runs).split('\n');
    expect(lines[0]).toBe('| Scenario | agate-2026 | agate-modern-2026 |');
    expect(lines[1]).toBe('|---|---|---|');
    expect(lines.slice(2, 5)).toEqual([
      '| `caching` | pass | pass |',
      '| `server-stateless` | fail (expected) | – |',
      '| `tasks-lifecycle` | – | fail (not scored: extension) |',
    ]);
  });

  it('ends with the totals of each run', () => {
    expect(renderMatrix(runs)).toContain('| **totals** | 2 scenarios: 1 pass, 1 fail (1 expected), 0 stale baseline entries | 1 scenarios: 1 pass, 0 fail (0 expected), 0 stale baseline entries; 1 not scored (0 pass) |');
  });
});
