import { describe, expect, it } from 'vitest';
import { judge, validateBaseline, type Baseline } from './baseline.js';
import { notScoredIn, summarise, type ScenarioResult } from './results.js';

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
    ['empty targets', { expectedFailures: [{ scenario: 'ping', reason: 'a', targets: [] }] }, 'targets must be a non-empty array'],
    ['a target that is not a string', { expectedFailures: [{ scenario: 'ping', reason: 'a', targets: [1] }] }, 'targets must be a non-empty array'],
    ['a duplicate for the same target', { expectedFailures: [{ scenario: 'ping', reason: 'a', targets: ['x'] }, { scenario: 'ping', reason: 'b', targets: ['x', 'y'] }] }, 'duplicate scenario "ping" for target x'],
    ['a catch-all beside a targeted entry', { expectedFailures: [{ scenario: 'ping', reason: 'a' }, { scenario: 'ping', reason: 'b', targets: ['y'] }] }, 'duplicate scenario "ping"'],
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

describe('conformance baseline scoped to targets', () => {
  // One file serves every quadrant of a revision; an entry naming targets excuses the failure there only.
  const scoped: Baseline = {
    expectedFailures: [
      { scenario: 'bridge-gap', reason: 'the 2025 member cannot answer it', targets: ['agate-remote-2026'] },
      { scenario: 'other-gap', reason: 'modern only', targets: ['agate-modern-2026'] },
    ],
  };

  it('accepts entries with targets, and two entries for one scenario on different targets', () => {
    const raw = { expectedFailures: [{ scenario: 'ping', reason: 'a', targets: ['x'] }, { scenario: 'ping', reason: 'b', targets: ['y'] }] };
    expect(validateBaseline(raw)).toEqual({ ok: true, value: { expectedFailures: [{ scenario: 'ping', reason: 'a', targets: ['x'] }, { scenario: 'ping', reason: 'b', targets: ['y'] }] } });
  });

  it.each([
    ['the named target', 'agate-remote-2026', 'expected-failure', true],
    ['another target', 'agate-modern-2026', 'unexpected-failure', false],
  ])('excuses a failure on %s only', (_what, label, verdict, ok) => {
    const judged = judge([result('bridge-gap', 'fail')], scoped, label);
    expect(judged.results[0]).toMatchObject({ verdict, ...(verdict === 'expected-failure' ? { reason: 'the 2025 member cannot answer it' } : {}) });
    expect(judged.ok).toBe(ok);
  });

  it('reports a targeted entry as stale on its own target only', () => {
    expect(judge([result('other-gap', 'pass')], scoped, 'agate-modern-2026').results[0]?.verdict).toBe('stale-baseline');
    expect(judge([result('other-gap', 'pass')], scoped, 'agate-2026').results[0]?.verdict).toBe('pass');
  });
});

describe('scenarios a requirement set runs without scoring', () => {
  // The suite's own summary (0.2.0-alpha.12, `server --requirements`), as it prints it.
  const output = [
    'Required for 2026-07-28 (37 scenarios)',
    '',
    'Not scored for 2026-07-28: 3 scenario(s) run, 2 failing. These do not affect conformance.',
    '  ✗ tasks-lifecycle (extension)',
    '  ✓ tasks-status-notifications (extension)',
    '  ✗ json-schema-2020-12 (pending)',
    '',
  ].join('\n');

  it('reads them, with the reason, from the suite output', () => {
    expect(notScoredIn(output)).toEqual(new Map([['tasks-lifecycle', 'extension'], ['tasks-status-notifications', 'extension'], ['json-schema-2020-12', 'pending']]));
    expect(notScoredIn('Totals: 30 passed')).toEqual(new Map());
  });

  it('reports their failures without failing the run, and ignores baseline entries for them', () => {
    const failing = { ...result('tasks-lifecycle', 'fail'), notScored: 'extension' };
    const judged = judge([failing], { expectedFailures: [] }, 'agate-2026');
    expect(judged.results[0]?.verdict).toBe('not-scored');
    expect(judged.ok).toBe(true);
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
