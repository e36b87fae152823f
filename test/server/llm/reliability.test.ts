import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitFor, type TestGateway } from '../../helpers/gateway.js';
import { json, oaChunk, openAiCompletion, openAiStream, sse, startFake, type FakeProvider } from './fakes.js';
import { addProvider, addRoute, startLlmGateway } from './setup.js';

const ask = { messages: [{ role: 'user' as const, content: 'hi' }] };

describe('LLM routing: fallback, keys, cut streams, disconnects', () => {
  let gw: TestGateway;
  let limited: FakeProvider;
  let backup: FakeProvider;
  let keyed: FakeProvider;
  let cutter: FakeProvider;
  let slow: FakeProvider;
  let goodKeys: Set<string>;
  let slowClosed: number | undefined;
  let openai: OpenAI;

  beforeAll(async () => {
    gw = await startLlmGateway();
    limited = await startFake('limited', (_c, res) => json(res, 429, { error: { message: 'slow down', type: 'rate_limit_error', code: 'rate_limit_exceeded', param: null } }, { 'retry-after': '7' }));
    backup = await startFake('backup', (c, res) => {
      if (c.body.stream) {
        sse(res);
        res.end(openAiStream(String(c.body.model), ['from ', 'backup'], true));
      } else json(res, 200, openAiCompletion(String(c.body.model), 'from backup'));
    });
    goodKeys = new Set(['k-good']);
    keyed = await startFake('keyed', (c, res) => {
      const key = String(c.headers.authorization).slice(7);
      if (!goodKeys.has(key)) return json(res, 401, { error: { message: 'bad key', type: 'authentication_error', code: 'invalid_api_key', param: null } });
      if (c.path.endsWith('/models')) return json(res, 200, { object: 'list', data: [] });
      json(res, 200, openAiCompletion(String(c.body.model), `key ${key}`));
    });
    cutter = await startFake('cutter', (c, res) => {
      sse(res);
      const early = (c.body.messages as Array<{ content: string }>)[0]!.content === 'early';
      if (early) return void res.flushHeaders(), void setImmediate(() => res.socket?.destroy());
      res.write(oaChunk(String(c.body.model), { role: 'assistant', content: '' }));
      res.write(oaChunk(String(c.body.model), { content: 'partial' }), () => setImmediate(() => res.socket?.destroy()));
    });
    slow = await startFake('slow', (c, res) => {
      sse(res);
      res.write(oaChunk(String(c.body.model), { role: 'assistant', content: 'tick' }));
      const timer = setInterval(() => res.write(oaChunk(String(c.body.model), { content: '.' })), 20);
      res.on('close', () => {
        clearInterval(timer);
        slowClosed = Date.now();
      });
    });
    addProvider(gw, { name: 'limited', type: 'openai', baseUrl: `${limited.url}/v1`, keys: ['l1', 'l2'], ejectAfterFailures: 100 });
    addProvider(gw, { name: 'backup', type: 'deepseek', baseUrl: backup.url, keys: ['b1'] });
    addProvider(gw, { name: 'keyed', type: 'openai', baseUrl: `${keyed.url}/v1`, keys: ['k-bad', 'k-good'], ejectAfterFailures: 2, probeIntervalMs: 100 });
    addProvider(gw, { name: 'cutter', type: 'openai', baseUrl: `${cutter.url}/v1`, keys: ['c1'] });
    addProvider(gw, { name: 'slow', type: 'openai', baseUrl: `${slow.url}/v1`, keys: ['s1'] });
    addProvider(gw, { name: 'dead', type: 'openai', baseUrl: 'http://127.0.0.1:1/v1', keys: ['d1'] });
    await addRoute(gw, { name: 'fb-dead', model: 'fb-dead-model', targets: [{ provider: 'limited' }], fallback: [{ provider: 'dead' }] });
    await addRoute(gw, { name: 'fb', model: 'fb-model', targets: [{ provider: 'limited' }], fallback: [{ provider: 'dead' }, { provider: 'backup', model: 'deepseek-chat' }] });
    await addRoute(gw, { name: 'only-limited', model: 'limited-model', targets: [{ provider: 'limited' }] });
    await addRoute(gw, { name: 'keys', model: 'key-model', targets: [{ provider: 'keyed' }] });
    await addRoute(gw, { name: 'cut', model: 'cut-model', targets: [{ provider: 'cutter' }], fallback: [{ provider: 'backup' }] });
    await addRoute(gw, { name: 'slow', model: 'slow-model', targets: [{ provider: 'slow' }] });
    openai = new OpenAI({ baseURL: `${gw.url}/v1`, apiKey: 'client', maxRetries: 0 });
  });
  afterAll(async () => {
    await gw.stop();
    await Promise.all([limited, backup, keyed, cutter, slow].map((f) => f.close()));
  });

  it('429 tries the other key, then falls back past a dead provider to the next one', async () => {
    const before = limited.calls.length;
    const r = await openai.chat.completions.create({ model: 'fb-model', ...ask });
    expect(r.choices[0]!.message.content).toBe('from backup');
    const tried = limited.calls.slice(before).map((c) => c.headers.authorization);
    expect(tried.sort()).toEqual(['Bearer l1', 'Bearer l2']);
    expect(backup.calls.at(-1)!.body.model).toBe('deepseek-chat');
    const access = gw.logs.filter((l) => l.msg === 'access' && l.route === 'fb').at(-1);
    expect(access).toMatchObject({ status: 200, upstream: 'backup', attempts: 4 });
  });

  it('when the fallback fails too, the error carries the primary provider\'s own error', async () => {
    const err = await openai.chat.completions.create({ model: 'fb-dead-model', ...ask }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OpenAI.APIError);
    const e = err as InstanceType<typeof OpenAI.APIError>;
    expect(e.status).toBe(502);
    expect(e.code).toBe('GW_ERR_RETRIES_EXHAUSTED');
    // The primary's message, as the fake sent it ('slow down', HTTP 429), and its name.
    expect(e.message).toContain('limited');
    expect(e.message).toContain('slow down');
  });

  it('429 with no alternative reaches the client in OpenAI shape with Retry-After', async () => {
    const res = await fetch(`${gw.url}/v1/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ model: 'limited-model', ...ask }) });
    expect(res.status).toBe(429);
    expect(res.headers.get('retry-after')).toBe('7');
    expect(await res.json()).toEqual({ error: { message: 'slow down', type: 'rate_limit_error', code: 'rate_limit_exceeded', param: null } });
  });

  it('a stream cut before its first byte reached the client falls back; one cut after ends with an error and no [DONE]', async () => {
    // cutter writes a role chunk and a content chunk before the reset, so the client has seen bytes: no fallback.
    const res = await fetch(`${gw.url}/v1/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ model: 'cut-model', stream: true, ...ask }) });
    expect(res.status).toBe(200);
    let text = '';
    const decoder = new TextDecoder();
    const reader = res.body!.getReader();
    const ended = await (async () => {
      try {
        for (;;) {
          const { done, value } = await reader.read();
          if (done) return 'clean';
          text += decoder.decode(value, { stream: true });
        }
      } catch {
        return 'aborted';
      }
    })();
    expect(ended).toBe('aborted');
    expect(text).toContain('"content":"partial"');
    expect(text).not.toContain('[DONE]');
    const lastEvent = text.trim().split('\n\n').at(-1)!;
    expect(JSON.parse(lastEvent.slice(6))).toMatchObject({ error: { code: 'upstream_stream_truncated', type: 'server_error' } });
    // The SDK surfaces it as an error, never as a complete answer.
    const stream = await openai.chat.completions.create({ model: 'cut-model', stream: true, ...ask });
    await expect((async () => { for await (const _ of stream) void _; })()).rejects.toThrow();
    const access = gw.logs.filter((l) => l.msg === 'access' && l.route === 'cut').at(-1);
    expect(access).toMatchObject({ flag: 'UR', code: 'GW_ERR_LLM_STREAM_CUT' });
    // Reset after the upstream's 200 but before any event: nothing reached the client, so the fallback serves it.
    const early = await openai.chat.completions.create({ model: 'cut-model', stream: true, messages: [{ role: 'user', content: 'early' }] });
    let got = '';
    for await (const c of early) got += c.choices[0]?.delta.content ?? '';
    expect(got).toBe('from backup');
  });

  it('a key that fails N times is ejected, then probed back once it works', async () => {
    const used = async () => {
      const r = await openai.chat.completions.create({ model: 'key-model', ...ask });
      return r.choices[0]!.message.content;
    };
    // Every request succeeds (the bad key's 401 is retried with the good one) until k-bad is ejected.
    for (let i = 0; i < 4; i++) expect(await used()).toBe('key k-good');
    const chatCalls = () => keyed.calls.filter((c) => c.path.endsWith('/chat/completions'));
    expect(chatCalls().filter((c) => c.headers.authorization === 'Bearer k-bad')).toHaveLength(2);
    const before = chatCalls().length;
    for (let i = 0; i < 4; i++) expect(await used()).toBe('key k-good');
    expect(chatCalls().slice(before).every((c) => c.headers.authorization === 'Bearer k-good')).toBe(true);
    // The key is fixed upstream: a probe (GET /models) notices and the key rejoins the rotation.
    goodKeys.add('k-bad');
    await waitFor(() => keyed.calls.some((c) => c.path.endsWith('/models') && c.headers.authorization === 'Bearer k-bad' && goodKeys.has('k-bad')), 'a probe with k-bad');
    const answers = new Set<string | null>();
    await waitFor(async () => {
      answers.add(await used());
      return answers.has('key k-bad');
    }, 'k-bad back in rotation');
  });

  it('a client disconnect aborts the upstream stream within 1 s', async () => {
    slowClosed = undefined;
    const ac = new AbortController();
    const res = await fetch(`${gw.url}/v1/chat/completions`, { method: 'POST', signal: ac.signal, headers: { 'content-type': 'application/json' }, body: JSON.stringify({ model: 'slow-model', stream: true, ...ask }) });
    const reader = res.body!.getReader();
    await reader.read();
    await waitFor(() => slow.calls.length > 0, 'the upstream call');
    const abortedAt = Date.now();
    ac.abort();
    await waitFor(() => slowClosed, 'the upstream connection to close', 1000);
    expect(slowClosed! - abortedAt).toBeLessThan(1000);
    await waitFor(() => gw.logs.some((l) => l.msg === 'access' && l.route === 'slow'), 'the access log line');
    expect(gw.logs.filter((l) => l.msg === 'access' && l.route === 'slow').at(-1)).toMatchObject({ flag: 'DC' });
  });
});
