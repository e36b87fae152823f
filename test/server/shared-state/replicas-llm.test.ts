import { join } from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Registry } from '../../../registry/index.js';
import { waitFor } from '../../helpers/gateway.js';
import { skipWithoutRedis, startTestRedis, type TestRedis } from '../../helpers/redis.js';
import { startReplicas, stopReplicas } from '../../helpers/replicas.js';
import type { ServeProcess } from '../../helpers/serve.js';
import { tempDir } from '../../helpers/temp-dir.js';
import { json, oaChunk, openAiCompletion, sse, startFake, type FakeProvider } from '../llm/fakes.js';

const LIMIT = 2000;
const MAX_TOKENS = 100;
const USAGE = { prompt_tokens: 10, completion_tokens: 95, total_tokens: 105 };

/** A provider whose keys are stored as secrets `<name>-key-<i>`. */
function addProvider(r: Registry, spec: { name: string; baseUrl: string; keys: string[]; [k: string]: unknown }): void {
  const { keys, ...rest } = spec;
  const keySecrets = keys.map((value, i) => {
    r.secrets.put(`${spec.name}-key-${i}`, value, 'cli');
    return `${spec.name}-key-${i}`;
  });
  r.llmProviders.create({ type: 'openai', ...rest, keySecrets }, 'cli');
}

function chat(replica: ServeProcess, body: Record<string, unknown>): Promise<Response> {
  return fetch(`${replica.url}/v1/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
}

describe.skipIf(skipWithoutRedis)('LLM limits and key health across gateway processes on one Redis', () => {
  const { dir, cleanup } = tempDir();
  const db = join(dir, 'agate.db');
  let redis: TestRedis;
  let raw: Redis;
  let tpm: FakeProvider;
  let keyed: FakeProvider;
  let replicas: ServeProcess[] = [];

  beforeAll(async () => {
    redis = await startTestRedis();
    raw = new Redis(redis.url);
    // A slow stream (5 chunks, 20 ms apart) that reports its usage, so all 50 requests are in flight together.
    tpm = await startFake('tpm', (c, res) => {
      sse(res);
      const model = String(c.body.model);
      let i = 0;
      const timer = setInterval(() => {
        if (i < 5) res.write(oaChunk(model, { content: 'w' }));
        else {
          clearInterval(timer);
          res.write(oaChunk(model, {}, 'stop'));
          res.write(`data: ${JSON.stringify({ id: 'x', object: 'chat.completion.chunk', created: 1, model, choices: [], usage: USAGE })}\n\n`);
          res.end('data: [DONE]\n\n');
        }
        i++;
      }, 20);
    });
    // Key `bad` is refused (401, also by the models probe); `good` answers.
    keyed = await startFake('keyed', (c, res) => {
      if (c.headers.authorization === 'Bearer bad') return json(res, 401, { error: { message: 'Incorrect API key', type: 'invalid_request_error', code: 'invalid_api_key' } });
      json(res, 200, openAiCompletion(String(c.body.model), 'ok'));
    });
    const r = Registry.open(db);
    addProvider(r, { name: 'tpm', baseUrl: `${tpm.url}/v1`, keys: ['t1'] });
    addProvider(r, { name: 'keyed', baseUrl: `${keyed.url}/v1`, keys: ['bad', 'good'], ejectAfterFailures: 1, probeIntervalMs: 60_000 });
    r.llmRoutes.create({ name: 'tpm', model: 'tpm-model', targets: [{ provider: 'tpm' }], tokensPerMinute: LIMIT, limitPer: 'route' }, 'cli');
    r.llmRoutes.create({ name: 'keyed', model: 'keyed-model', targets: [{ provider: 'keyed' }] }, 'cli');
    r.close();
    replicas = await startReplicas(db, 2, redis.url);
  }, 180_000);
  afterAll(async () => {
    await stopReplicas(replicas);
    raw?.disconnect();
    await tpm?.close();
    await keyed?.close();
    await redis?.close();
    cleanup();
  });

  const usedBad = (from: number) => keyed.calls.slice(from).filter((c) => c.headers.authorization === 'Bearer bad').length;

  it('a key ejected by one replica is skipped by the others, running or started later', async () => {
    // Both replicas listen for ejections before the first one happens.
    await waitFor(async () => ((await raw.pubsub('NUMSUB', 'agate:key-health')) as [string, number])[1] >= 2, 'both replicas to subscribe');
    const body = { model: 'keyed-model', messages: [{ role: 'user', content: 'hi' }] };
    // Replica 0 tries `bad` (401), ejects it and retries with `good`.
    let from = keyed.calls.length;
    for (let i = 0; i < 2; i++) expect((await chat(replicas[0]!, body)).status).toBe(200);
    expect(usedBad(from)).toBe(1);
    expect(await raw.keys('agate:key-ejected:*')).toHaveLength(1);
    // No key value in Redis: the mark is a hash.
    expect(JSON.stringify(await raw.keys('*'))).not.toContain('bad');
    // Replica 1 was running: told by pub/sub. Without the shared mark its first request would try `bad`.
    from = keyed.calls.length;
    for (let i = 0; i < 6; i++) expect((await chat(replicas[1]!, body)).status).toBe(200);
    expect(usedBad(from)).toBe(0);
    // Replica 2 starts after the ejection: it reads the marks before it serves.
    replicas.push(...(await startReplicas(db, 1, redis.url)));
    from = keyed.calls.length;
    for (let i = 0; i < 6; i++) expect((await chat(replicas[2]!, body)).status).toBe(200);
    expect(usedBad(from)).toBe(0);
  }, 90_000);

  it('50 concurrent streams over three replicas never exceed the token limit by more than one reservation', async () => {
    expect(replicas).toHaveLength(3);
    const started = Date.now();
    const one = async (i: number) => {
      const res = await chat(replicas[i % 3]!, { model: 'tpm-model', stream: true, stream_options: { include_usage: true }, max_tokens: MAX_TOKENS, messages: [{ role: 'user', content: 'hi' }] });
      return { status: res.status, text: await res.text() };
    };
    const results = await Promise.all(Array.from({ length: 50 }, (_, i) => one(i)));
    const elapsedMin = (Date.now() - started) / 60_000;
    const ok = results.filter((r) => r.status === 200);
    const limited = results.filter((r) => r.status === 429);
    expect(ok.length + limited.length).toBe(50);
    expect(JSON.parse(limited[0]!.text)).toMatchObject({ error: { code: 'GW_ERR_LLM_TOKEN_LIMIT' } });
    // What the upstream reported as used, summed over the admitted streams (the provider's own count).
    const spent = ok.reduce((sum, r) => {
      const usage = r.text.split('\n\n').map((e) => e.slice(6)).filter((d) => d.includes('"usage":{')).map((d) => JSON.parse(d).usage.total_tokens as number);
      return sum + (usage[0] ?? 0);
    }, 0);
    // One reservation: max_tokens plus the prompt estimate of 'hi' (a few framing tokens; 20 is generous).
    const reservation = MAX_TOKENS + 20;
    expect(spent).toBeLessThanOrEqual(LIMIT + Math.ceil(LIMIT * elapsedMin) + reservation);
    expect(ok.length).toBeGreaterThanOrEqual(Math.floor(LIMIT / reservation));
  });
});
