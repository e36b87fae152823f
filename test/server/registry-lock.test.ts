// Another process holding the registry's write lock must not stall the data plane (design §9: blocking I/O
// stays off the loop). The gateway's timer writes (usage flush, heartbeat) fail fast on SQLITE_BUSY and are
// retried later; once the lock is released they land.
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Registry } from '../../registry/index.js';
import { waitFor, type TestGateway } from '../helpers/gateway.js';
import { startLoopProbe } from '../helpers/loop-probe.js';
import { holdWriteLock } from '../helpers/write-lock.js';
import { json, openAiCompletion, startFake, type FakeProvider } from './llm/fakes.js';
import { addProvider, addRoute, startLlmGateway } from './llm/setup.js';

async function timed<T>(fn: () => Promise<T>): Promise<{ ms: number; value: T }> {
  const started = performance.now();
  const value = await fn();
  return { ms: performance.now() - started, value };
}

describe('a write lock held by another process', () => {
  let gw: TestGateway;
  let oa: FakeProvider;
  let openai: OpenAI;

  beforeAll(async () => {
    gw = await startLlmGateway();
    oa = await startFake('openai', (call, res) => json(res, 200, openAiCompletion(String(call.body.model), 'hi')));
    addProvider(gw, { name: 'oa', type: 'openai', baseUrl: `${oa.url}/v1`, keys: ['sk-up'] });
    await addRoute(gw, { name: 'gpt', model: 'gpt-*', targets: [{ provider: 'oa' }] });
    openai = new OpenAI({ baseURL: `${gw.url}/v1`, apiKey: 'k', maxRetries: 0 });
  });
  afterAll(async () => {
    await gw?.stop();
    await oa?.close();
  });

  it('does not stall /healthz or proxied calls, and the deferred usage and heartbeat land after release', async () => {
    // Warm up clients and gateway (JIT, connection pools), so the probe measures waiting on the registry.
    for (let i = 0; i < 20; i++) {
      await fetch(`${gw.adminUrl}/healthz`).then((r) => r.arrayBuffer());
      await openai.chat.completions.create({ model: 'gpt-4o', messages: [{ role: 'user', content: 'x' }] });
    }
    const heartbeatBefore = gw.registry.instances.list().find((i) => i.pid === process.pid)!.heartbeatAt;
    const lock = holdWriteLock(gw.dbPath);
    await lock.locked;
    const probe = startLoopProbe();
    const latencies: Array<{ what: string; ms: number }> = [];
    // Long enough for several usage flushes (1 s) and one heartbeat (5 s) to hit the lock.
    const until = Date.now() + 6_000;
    let calls = 0;
    try {
      while (Date.now() < until) {
        const health = await timed(() => fetch(`${gw.adminUrl}/healthz`).then((r) => r.status));
        expect(health.value).toBe(200);
        latencies.push({ what: 'healthz', ms: health.ms });
        const chat = await timed(() => openai.chat.completions.create({ model: 'gpt-4o', messages: [{ role: 'user', content: 'x' }] }));
        expect(chat.value.choices[0]!.message.content).toBe('hi');
        latencies.push({ what: 'chat', ms: chat.ms });
        calls++;
        await new Promise((r) => setTimeout(r, 50)); // pacing between probes, not synchronisation
      }
    } finally {
      const stall = probe.stop();
      await lock.release();
      // The failure mode is SQLite's busy wait: 5 s per blocked write. This shared 2-core machine shows
      // 100-200 ms scheduling hiccups with no lock at all, so single samples are bounded at 1 s and the
      // 100 ms budget is held by 90 % of requests.
      expect(stall, 'longest event-loop stall (ms)').toBeLessThan(1000);
    }
    const sorted = latencies.map((l) => l.ms).sort((a, b) => a - b);
    expect(sorted.at(-1), 'slowest request (ms)').toBeLessThan(1000);
    expect(sorted[Math.floor(sorted.length * 0.9)], 'p90 request latency (ms)').toBeLessThanOrEqual(100);

    // The deferred writes land: every call's usage, and a heartbeat newer than the one before the lock.
    const reader = Registry.open(gw.dbPath);
    try {
      await waitFor(() => reader.llmUsage.query().filter((r) => r.route === 'gpt').reduce((n, r) => n + r.requests, 0) >= 20 + calls, 'usage rows for every call', 10_000);
      expect(reader.llmUsage.query().filter((r) => r.route === 'gpt').reduce((n, r) => n + r.requests, 0)).toBe(20 + calls);
      await waitFor(() => reader.instances.list().find((i) => i.pid === process.pid)!.heartbeatAt > heartbeatBefore, 'a newer heartbeat', 10_000);
    } finally {
      reader.close();
    }
    const metrics = await (await fetch(`${gw.adminUrl}/metrics`, { headers: { authorization: `Bearer ${gw.adminToken.token}` } })).text();
    expect(metrics).toMatch(/agate_registry_writes_deferred_total\{write="usage"\} [1-9]/);
    expect(metrics).toMatch(/agate_registry_writes_deferred_total\{write="heartbeat"\} [1-9]/);
  }, 40_000);
});
