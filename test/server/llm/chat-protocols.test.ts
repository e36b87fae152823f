import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitFor, type TestGateway } from '../../helpers/gateway.js';
import { anthropicMessage, anthropicStream, geminiResponse, geminiStream, json, openAiCompletion, openAiStream, sse, startFake, type FakeProvider } from './fakes.js';
import { addProvider, addRoute, startLlmGateway } from './setup.js';

describe('LLM routing: chat through each provider protocol', () => {
  let gw: TestGateway;
  let oa: FakeProvider;
  let an: FakeProvider;
  let ge: FakeProvider;
  let openai: OpenAI;
  let anthropic: Anthropic;

  beforeAll(async () => {
    gw = await startLlmGateway();
    oa = await startFake('openai', (call, res) => {
      const model = String(call.body.model);
      if (call.body.stream) {
        sse(res);
        const withUsage = (call.body.stream_options as { include_usage?: boolean } | undefined)?.include_usage === true;
        res.end(openAiStream(model, ['Hel', 'lo', ' there'], withUsage));
      } else json(res, 200, openAiCompletion(model, 'Hello there'));
    });
    an = await startFake('anthropic', (call, res) => {
      const model = String(call.body.model);
      if (call.body.stream) {
        sse(res);
        res.end(anthropicStream(model, ['Bon', 'jour'], { id: 'toolu_1', name: 'get_weather', json: ['{"city":', '"Paris"}'] }));
      } else json(res, 200, anthropicMessage(model, 'Bonjour'));
    });
    ge = await startFake('gemini', (call, res) => {
      if (call.path.includes(':streamGenerateContent')) {
        sse(res);
        res.end(geminiStream('gemini-2.5-flash', ['Hal', 'lo']));
      } else json(res, 200, geminiResponse('gemini-2.5-flash', 'Hallo'));
    });
    addProvider(gw, { name: 'oa', type: 'openai', baseUrl: `${oa.url}/v1`, keys: ['sk-upstream-openai'], modelMap: [['gpt-4o', 'qwen-max']] });
    addProvider(gw, { name: 'an', type: 'anthropic', baseUrl: an.url, keys: ['sk-ant-upstream'] });
    addProvider(gw, { name: 'ge', type: 'gemini', baseUrl: ge.url, keys: ['gem-key'] });
    await addRoute(gw, { name: 'gpt', model: 'gpt-*', targets: [{ provider: 'oa' }] });
    await addRoute(gw, { name: 'claude', model: 'claude-*', targets: [{ provider: 'an' }] });
    await addRoute(gw, { name: 'gemini', model: 'gemini-2.5-flash', targets: [{ provider: 'ge' }] });
    openai = new OpenAI({ baseURL: `${gw.url}/v1`, apiKey: 'client-secret-key', maxRetries: 0 });
    anthropic = new Anthropic({ baseURL: gw.url, apiKey: 'client-secret-key', maxRetries: 0 });
  });
  afterAll(async () => {
    await gw.stop();
    await Promise.all([oa.close(), an.close(), ge.close()]);
  });

  it('OpenAI → OpenAI, non-stream: model mapped, provider key sent, client key never forwarded', async () => {
    const r = await openai.chat.completions.create({ model: 'gpt-4o', messages: [{ role: 'user', content: 'hi' }] });
    expect(r.choices[0]!.message.content).toBe('Hello there');
    expect(r.usage).toMatchObject({ prompt_tokens: 9, completion_tokens: 3, total_tokens: 12 });
    const call = oa.calls.at(-1)!;
    expect(call.path).toBe('/v1/chat/completions');
    expect(call.body.model).toBe('qwen-max');
    expect(call.headers.authorization).toBe('Bearer sk-upstream-openai');
    expect(JSON.stringify(call.headers)).not.toContain('client-secret-key');
  });

  it('OpenAI → OpenAI, stream: include_usage injected upstream, stripped downstream, [DONE] ends it', async () => {
    const stream = await openai.chat.completions.create({ model: 'gpt-4o-mini', stream: true, messages: [{ role: 'user', content: 'hi' }] });
    const chunks = [];
    for await (const c of stream) chunks.push(c);
    expect(chunks.map((c) => c.choices[0]?.delta.content ?? '').join('')).toBe('Hello there');
    expect(chunks.every((c) => c.choices.length === 1 && !('usage' in c))).toBe(true);
    expect(chunks.at(-1)!.choices[0]!.finish_reason).toBe('stop');
    expect(oa.calls.at(-1)!.body.stream_options).toEqual({ include_usage: true });
    const access = gw.logs.filter((l) => l.msg === 'access' && l.route === 'gpt').at(-1);
    expect(access).toMatchObject({ status: 200, upstream: 'oa', promptTokens: 11, completionTokens: 3, stream: true });
    expect(access!.ttftMs).toBeGreaterThan(0);
  });

  it('OpenAI → OpenAI, stream with include_usage: the usage chunk reaches the client', async () => {
    const stream = await openai.chat.completions.create({
      model: 'gpt-4o',
      stream: true,
      stream_options: { include_usage: true },
      messages: [{ role: 'user', content: 'hi' }],
    });
    const chunks = [];
    for await (const c of stream) chunks.push(c);
    expect(chunks.at(-1)).toMatchObject({ choices: [], usage: { prompt_tokens: 11, completion_tokens: 3, total_tokens: 14 } });
  });

  it('OpenAI → Anthropic, non-stream: translated request and response, usage in the OpenAI convention', async () => {
    const r = await openai.chat.completions.create({ model: 'claude-sonnet-4', messages: [{ role: 'system', content: 'be brief' }, { role: 'user', content: 'hi' }] });
    expect(r.choices[0]!.message.content).toBe('Bonjour');
    expect(r.model).toBe('claude-sonnet-4');
    // prompt_tokens includes cache reads (10 + 2); total = prompt + completion.
    expect(r.usage).toMatchObject({ prompt_tokens: 12, completion_tokens: 4, total_tokens: 16, prompt_tokens_details: { cached_tokens: 2 } });
    const call = an.calls.at(-1)!;
    expect(call.path).toBe('/v1/messages');
    expect(call.headers['x-api-key']).toBe('sk-ant-upstream');
    expect(call.headers.authorization).toBeUndefined();
    expect(call.body).toMatchObject({ model: 'claude-sonnet-4', system: [{ type: 'text', text: 'be brief' }], max_tokens: 4096 });
  });

  it('OpenAI → Anthropic, stream with a tool call: exact chunk grammar and usage', async () => {
    const stream = await openai.chat.completions.create({
      model: 'claude-sonnet-4',
      stream: true,
      stream_options: { include_usage: true },
      messages: [{ role: 'user', content: 'weather?' }],
      tools: [{ type: 'function', function: { name: 'get_weather', parameters: { type: 'object', properties: { city: { type: 'string' } } } } }],
    });
    const chunks = [];
    for await (const c of stream) chunks.push(c);
    expect(chunks[0]!.choices[0]!.delta.role).toBe('assistant');
    expect(chunks.map((c) => c.choices[0]?.delta.content ?? '').join('')).toBe('Bonjour');
    const toolDeltas = chunks.flatMap((c) => c.choices[0]?.delta.tool_calls ?? []);
    expect(toolDeltas[0]).toMatchObject({ index: 0, id: 'toolu_1', type: 'function', function: { name: 'get_weather' } });
    expect(toolDeltas.map((t) => t.function?.arguments ?? '').join('')).toBe('{"city":"Paris"}');
    const finishes = chunks.filter((c) => c.choices[0]?.finish_reason);
    expect(finishes.map((c) => c.choices[0]!.finish_reason)).toEqual(['tool_calls']);
    expect(chunks.at(-1)).toMatchObject({ choices: [], usage: { prompt_tokens: 25, completion_tokens: 7, total_tokens: 32 } });
  });

  it('OpenAI → Gemini, stream and non-stream', async () => {
    const stream = await openai.chat.completions.create({ model: 'gemini-2.5-flash', stream: true, stream_options: { include_usage: true }, messages: [{ role: 'user', content: 'hi' }] });
    const chunks = [];
    for await (const c of stream) chunks.push(c);
    expect(chunks.map((c) => c.choices[0]?.delta.content ?? '').join('')).toBe('Hallo');
    expect(chunks.at(-1)!.usage).toMatchObject({ prompt_tokens: 8, completion_tokens: 4, completion_tokens_details: { reasoning_tokens: 2 } });
    expect(ge.calls.at(-1)!.path).toBe('/v1beta/models/gemini-2.5-flash:streamGenerateContent?alt=sse');
    expect(ge.calls.at(-1)!.headers['x-goog-api-key']).toBe('gem-key');
    const r = await openai.chat.completions.create({ model: 'gemini-2.5-flash', messages: [{ role: 'user', content: 'hi' }] });
    expect(r.choices[0]!.message.content).toBe('Hallo');
    expect(r.usage?.total_tokens).toBe(8);
  });

  it('Anthropic /v1/messages front door onto an OpenAI-compatible provider, non-stream and stream', async () => {
    const msg = await anthropic.messages.create({ model: 'gpt-4o', max_tokens: 100, messages: [{ role: 'user', content: 'hi' }] });
    expect(msg.content).toEqual([{ type: 'text', text: 'Hello there', citations: null }].map(({ citations: _c, ...b }) => b));
    expect(msg.usage).toMatchObject({ input_tokens: 9, output_tokens: 3 });
    expect(oa.calls.at(-1)!.body).toMatchObject({ model: 'qwen-max', max_tokens: 100, messages: [{ role: 'user', content: 'hi' }] });
    const stream = anthropic.messages.stream({ model: 'gpt-4o', max_tokens: 100, messages: [{ role: 'user', content: 'hi' }] });
    const final = await stream.finalMessage();
    expect(final.content.map((b) => (b.type === 'text' ? b.text : '')).join('')).toBe('Hello there');
    expect(final.stop_reason).toBe('end_turn');
    expect(final.usage).toMatchObject({ input_tokens: 11, output_tokens: 3 });
  });

  it('Anthropic → Anthropic passes the native stream through', async () => {
    const stream = anthropic.messages.stream({ model: 'claude-sonnet-4', max_tokens: 50, messages: [{ role: 'user', content: 'hi' }] });
    const final = await stream.finalMessage();
    expect(final.content[0]).toMatchObject({ type: 'text', text: 'Bonjour' });
    expect(final.content[1]).toMatchObject({ type: 'tool_use', name: 'get_weather', input: { city: 'Paris' } });
    expect(final.usage.output_tokens).toBe(7);
  });

  it('errors come back in the caller API shape', async () => {
    const err = await openai.chat.completions.create({ model: 'nope', messages: [{ role: 'user', content: 'x' }] }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OpenAI.NotFoundError);
    expect((err as InstanceType<typeof OpenAI.NotFoundError>).code).toBe('GW_ERR_LLM_NO_ROUTE');
    const aerr = await anthropic.messages.create({ model: 'nope', max_tokens: 5, messages: [{ role: 'user', content: 'x' }] }).catch((e: unknown) => e);
    expect(aerr).toBeInstanceOf(Anthropic.NotFoundError);
    expect((aerr as { error: unknown }).error).toMatchObject({ type: 'error', error: { type: 'not_found_error' } });
  });

  it('usage lands in the registry per route, provider and model, and in Prometheus', async () => {
    const rows = await waitFor(() => {
      const found = gw.registry.llmUsage.query().filter((r) => r.route === 'claude' && r.model === 'claude-sonnet-4');
      return found.length && found.reduce((n, r) => n + r.requests, 0) >= 3 ? found : undefined;
    }, 'flushed usage rows');
    const sum = rows.reduce((a, r) => ({ prompt: a.prompt + r.promptTokens, cached: a.cached + r.cachedTokens }), { prompt: 0, cached: 0 });
    expect(sum.prompt).toBeGreaterThan(0);
    expect(sum.cached).toBeGreaterThan(0);
    const metrics = await (await fetch(`${gw.adminUrl}/metrics`, { headers: { authorization: `Bearer ${gw.adminToken.token}` } })).text();
    expect(metrics).toMatch(/agate_llm_tokens_total\{consumer="",route="gpt",provider="oa",model="qwen-max",type="prompt"\} \d+/);
    expect(metrics).toContain('agate_llm_time_to_first_token_seconds_bucket');
  });

  it('GET /v1/models lists the exact-match routes and the mapped models of prefix routes', async () => {
    const page = await openai.models.list();
    // gpt-* names gpt-4o through provider oa's model map; claude-* has no map, so nothing concrete to list.
    expect(page.data.map((m) => [m.id, m.owned_by])).toEqual([['gemini-2.5-flash', 'ge'], ['gpt-4o', 'oa']]);
  });

  it.each([false, true])('access lines carry the request and response byte counts the client saw (stream: %s)', async (stream) => {
    const sent = JSON.stringify({ model: 'gpt-4o', stream, messages: [{ role: 'user', content: 'bytes, please: é' }] });
    const res = await fetch(`${gw.url}/v1/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: sent });
    const received = Buffer.from(await res.arrayBuffer());
    expect(res.status).toBe(200);
    const id = res.headers.get('x-request-id');
    const line = await waitFor(() => gw.logs.find((l) => l.msg === 'access' && l.requestId === id), 'the access line');
    expect(line.requestBytes).toBe(Buffer.byteLength(sent));
    expect(line.bytes).toBe(received.length);
  });
});
