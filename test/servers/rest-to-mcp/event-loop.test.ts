// Hostile template input through a real tools/call must not stall the event loop
// (design §9: per-request CPU is bounded). A timer-based probe measures the stall.
import { afterEach, describe, expect, it } from 'vitest';
import { startLoopProbe } from '../../helpers/loop-probe.js';
import type { LoopbackUpstream } from '../../helpers/loopback-upstream.js';
import { textOf, type McpPair } from '../shared/mcp-pair.js';
import { API, jsonUpstream, oneTool, serve } from './helpers.js';

let pair: McpPair | undefined;
let target: LoopbackUpstream | undefined;
afterEach(async () => {
  await pair?.close();
  await target?.close();
  pair = undefined;
  target = undefined;
});

describe('template regexes run in linear time', () => {
  it.each([
    ['regexMatch', '{{regexMatch "^(a+)+$" .args.v}}'],
    ['regexReplaceAll', '{{regexReplaceAll "(a|aa)+$" .args.v "x"}}'],
    ['regexFindAll', '{{len (regexFindAll "(a*)*b" .args.v -1)}}'],
  ])('%s on a catastrophic-backtracking pattern keeps the loop under 100 ms', async (_fn, expr) => {
    target = await jsonUpstream({ ok: true });
    const doc = oneTool({ args: [{ name: 'v' }], requestTemplate: { url: `${API}/check`, method: 'POST', body: `{"m": "${expr}"}` } });
    pair = await serve(doc, { originOverrides: { [API]: target.url } });
    // Warm up (first call compiles the pattern and JITs the engine), so the probe measures matching.
    await pair.call('t', { v: 'a'.repeat(2_000) + '!' });
    // 27 characters already take seconds on a backtracking engine (31 took 40 s); RE2 is linear.
    for (const v of ['a'.repeat(27) + '!', 'a'.repeat(2_000) + '!']) {
      // The matching work is the same every time; scheduling noise on a shared machine is not, so the
      // least stall of three calls is what the regex costs.
      const stalls: number[] = [];
      for (let i = 0; i < 3; i++) {
        const probe = startLoopProbe();
        const result = await pair.call('t', { v });
        stalls.push(probe.stop());
        expect(result.isError, JSON.stringify(result)).toBeFalsy();
        expect(textOf(result)).toBe('{"ok":true}');
      }
      expect(Math.min(...stalls), `stalls ${stalls.map(Math.round).join(', ')} ms`).toBeLessThan(100);
    }
    expect(target.requests).toHaveLength(7);
  });

  it('a pattern RE2 refuses is a clear tool error, and the server keeps answering', async () => {
    target = await jsonUpstream({ ok: true });
    const doc = oneTool({ args: [{ name: 'v' }], requestTemplate: { url: `${API}/check`, method: 'POST', body: '{{mustRegexFind "(a)\\\\1" .args.v}}' } });
    pair = await serve(doc, { originOverrides: { [API]: target.url } });
    const result = await pair.call('t', { v: 'aa' });
    expect(result.isError).toBe(true);
    expect(textOf(result)).toMatch(/error calling mustRegexFind: error parsing regexp: invalid escape sequence: `\\1`/);
    expect(target.requests).toHaveLength(0);
    expect((await pair.client.listTools()).tools).toHaveLength(1);
  });
});
