import { describe, expect, it } from 'vitest';
import { judge, validateBaseline, type Baseline } from './baseline.js';
import { summarise, type ScenarioResult } from './results.js';

const result = (scenario: string, outcome: 'pass' | 'fail'): ScenarioResult => ({
  scenario,
  result: outcome,
  passed: outcome === 'pass' ? 1 : 0,
  failed: outcome === 'pass' ? 0 : 1,
  warnings: 0,
  notes: [],
});

describe('conformance baseline', () => {
  it.each([
    ['not an object', [], 'must be a JSON object'],
    ['no list', {}, 'expectedFailures must be an array'],
    ['an entry without a reason', { expectedFailures: [{ scenario: 'ping' }] }, 'reason must explain'],
    ['a blank reason', { expectedFailures: [{ scenario: 'ping', reason: ' ' }] }, 'reason must explain'],
    ['a duplicate', { expectedFailures: [{ scenario: 'ping', reason: 'a' }, { scenario: 'ping', reason: 'b' }] }, 'duplicate scenario'],
    ['an unknown key', { expectedFailures: [], server: [] }, 'unknown key "server"'],
  ])('rejects %s', (_what, raw, message) => {
    const parsed = validateBaseline(raw);
    expect(parsed.ok).toBe(false);
    if (!parsed.ok) expect(parsed.errors.join('\n')).toContain(message);
  });

  it('accepts the empty baseline with a comment', () => {
    expect(validateBaseline({ $comment: 'x', expectedFailures: [] })).toEqual({ ok: true, value: { expectedFailures: [] } });
  });

  const baseline: Baseline = { expectedFailures: [{ scenario: 'known-bad', reason: 'tracked' }, { scenario: 'not-run', reason: 'other suite' }] };

  it.each([
    ['a pass', result('ping', 'pass'), 'pass', true],
    ['an unlisted failure', result('ping', 'fail'), 'unexpected-failure', false],
    ['a listed failure', result('known-bad', 'fail'), 'expected-failure', true],
    ['a listed scenario that passes again', result('known-bad', 'pass'), 'stale-baseline', false],
  ])('judges %s', (_what, r, verdict, ok) => {
    const judged = judge([r], baseline);
    expect(judged.results[0]?.verdict).toBe(verdict);
    expect(judged.ok).toBe(ok);
  });
});

describe('conformance results', () => {
  it('fails a scenario with any failed check and keeps warnings as notes', () => {
    const summary = summarise('x', [
      { id: 'a', status: 'SUCCESS' },
      { id: 'b', status: 'WARNING', errorMessage: 'should do better' },
      { id: 'c', status: 'FAILURE', errorMessage: 'broken' },
    ]);
    expect(summary).toMatchObject({ result: 'fail', passed: 1, failed: 1, warnings: 1, notes: ['b: warning: should do better', 'c: broken'] });
  });

  it('fails a scenario that left no checks.json', () => {
    expect(summarise('x', undefined)).toMatchObject({ result: 'fail', failed: 1 });
  });
});
