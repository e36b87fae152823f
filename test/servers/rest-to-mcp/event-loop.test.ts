// Hostile template input through a real tools/call must not stall the event loop
// (design §9: per-request CPU is bounded). A timer-based probe measures the stall.
import { afterEach, describe, expect, it } from 'vitest';
import { startLoopProbe } from '../../helpers/loop-probe.js';
import type { LoopbackUpstream } from '../../helpers/loopback-upstream.js';
import { textOf, type McpPair } from '../shared/mcp-pair.js';
import { API, jsonUpstream, loadErrors, oneTool, serve } from './helpers.js';

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

// Response templates read the upstream's raw JSON (template/json-data.ts): one iterative pass, so
// a huge body costs time in proportion to its size and a deep one costs heap, not stack. "Today"
// was JSON.parse of the same body before rendering; the bound below is a multiple of that, measured
// in the same run on the same machine, because absolute times on a shared box mean little.
describe('response templates over huge or deeply nested upstream bodies', () => {
  /** The least of three: scheduling noise on a shared machine only ever adds. */
  async function leastStall(run: () => Promise<void>): Promise<number> {
    const stalls: number[] = [];
    for (let i = 0; i < 3; i++) {
      const probe = startLoopProbe();
      await run();
      stalls.push(probe.stop());
    }
    return Math.min(...stalls);
  }

  function jsonParseMs(body: string): number {
    const times: number[] = [];
    for (let i = 0; i < 3; i++) {
      const t = performance.now();
      JSON.parse(body);
      times.push(performance.now() - t);
    }
    return Math.min(...times);
  }

  it('an 8 MB body renders correctly and stalls the loop within a small multiple of JSON.parse of it', async () => {
    const items = Array.from({ length: 105_000 }, (_, i) => ({ id: i, name: `item ${i}`, price: 1.5, tags: ['a', 'b'], at: { x: i } }));
    const body = JSON.stringify({ first: 202407011234567890123n.toString(), items }).replace('"202407011234567890123"', '202407011234567890123');
    expect(body.length).toBeGreaterThan(8_000_000);
    target = await jsonUpstream(body);
    const doc = oneTool({ requestTemplate: { url: `${API}/big`, method: 'GET' }, responseTemplate: { body: '{{.first}}|{{len .items}}|{{gjson "items.104999.name"}}' } });
    pair = await serve(doc, { originOverrides: { [API]: target.url }, maxResponseBytes: 16 * 1024 * 1024 });
    const stall = await leastStall(async () => {
      const result = await pair!.call('t', {});
      expect(result.isError, JSON.stringify(result).slice(0, 300)).toBeFalsy();
      expect(textOf(result)).toBe('202407011234567890123|105000|item 104999');
    });
    const baseline = jsonParseMs(body);
    expect(stall, `stall ${Math.round(stall)} ms, JSON.parse ${Math.round(baseline)} ms`).toBeLessThan(Math.max(5 * baseline, 500));
  });

  it('a body nested 10,000 deep renders without recursion and keeps the loop turning', async () => {
    const depth = 10_000;
    const body = '{"a":'.repeat(depth) + '1.50' + '}'.repeat(depth);
    target = await jsonUpstream(body);
    const doc = oneTool({ requestTemplate: { url: `${API}/deep`, method: 'GET' }, responseTemplate: { body: '{{.a.a.a | len}}|{{gjson "a.a.a.a"}}' } });
    pair = await serve(doc, { originOverrides: { [API]: target.url } });
    const stall = await leastStall(async () => {
      const result = await pair!.call('t', {});
      expect(result.isError, JSON.stringify(result).slice(0, 300)).toBeFalsy();
      // gjson prints an object as its raw text: the rest of the nesting, exactly as sent.
      expect(textOf(result)).toBe(`1|${'{"a":'.repeat(depth - 4)}1.50${'}'.repeat(depth - 4)}`);
    });
    expect(stall).toBeLessThan(100);
  });
});

describe('argument patterns (strict mode) run in linear time', () => {
  it.each([
    ['on the argument', { name: 'v', type: 'string', pattern: '^(a+)+$' }, (v: string) => ({ v })],
    ['inside items', { name: 'v', type: 'array', items: { type: 'string', pattern: '^(a+)+$' } }, (v: string) => ({ v: [v] })],
  ])('a catastrophic-backtracking pattern %s refuses the argument without holding the loop', async (_where, arg, args) => {
    target = await jsonUpstream({ ok: true });
    pair = await serve(oneTool({ args: [arg], requestTemplate: { url: `${API}/check` } }), { originOverrides: { [API]: target.url } });
    await pair.call('t', args('aaa!'));
    const stalls: number[] = [];
    for (let i = 0; i < 3; i++) {
      const probe = startLoopProbe();
      // 27 characters: over a second of backtracking for JavaScript's RegExp (24 already stalled 170 ms).
      const result = await pair.call('t', args('a'.repeat(27) + '!'));
      stalls.push(probe.stop());
      expect(result.isError).toBe(true);
      expect(textOf(result)).toContain('must match pattern "^(a+)+$"');
    }
    expect(Math.min(...stalls), `stalls ${stalls.map(Math.round).join(', ')} ms`).toBeLessThan(100);
    expect(target.requests).toHaveLength(0);
  }, 20_000);

  it('a pattern RE2 refuses fails the load, naming the tool', () => {
    expect(loadErrors(oneTool({ args: [{ name: 'v', pattern: '(a)\\1' }], requestTemplate: { url: `${API}/check` } })).join('\n')).toMatch(
      /tools\[0\] \(t\)\.args: the generated inputSchema does not compile: .*invalid escape/,
    );
  });
});
