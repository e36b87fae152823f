// Regexes from configuration run against client input; a careless pattern must not let a client hold the event
// loop, and a pattern the linear-time engine (RE2) cannot run is refused when it is written, naming the field.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestGateway, waitFor, type TestGateway } from '../../helpers/gateway.js';
import { startLoopProbe } from '../../helpers/loop-probe.js';
import { startUpstream, type LoopbackUpstream } from '../../helpers/loopback-upstream.js';
import { json, startFake, type FakeProvider } from '../llm/fakes.js';

// `(a+)+` needs 2^n steps on a backtracking engine when the input almost matches: 25 characters stall
// JavaScript's RegExp for about a second (and 40 for days), RE2 takes microseconds.
const EVIL = '(a+)+';
const NEAR = 'a'.repeat(25) + '!';
// Three wildcards make the CORS origin pattern cubic on a backtracking engine.
const EVIL_ORIGIN = 'https://' + 'a.'.repeat(700) + 'example.org';
const STALL_MS = 100;

describe('configuration regexes run in linear time', () => {
  let gw: TestGateway;
  let upstream: LoopbackUpstream;
  let canary: LoopbackUpstream;
  let provider: FakeProvider;

  const chat = (model: string) =>
    fetch(`${gw.url}/v1/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ model, messages: [{ role: 'user', content: 'hi' }] }) });

  beforeAll(async () => {
    gw = await startTestGateway();
    upstream = await startUpstream('main');
    canary = await startUpstream('canary');
    provider = await startFake('re', (c, res) => json(res, 200, { id: 'c1', object: 'chat.completion', created: 1, model: String(c.body.model), choices: [{ index: 0, message: { role: 'assistant', content: 'ok' }, finish_reason: 'stop' }], usage: { prompt_tokens: 1, completion_tokens: 1, total_tokens: 2 } }));
    const r = gw.registry;
    r.routes.create({ name: 'path-re', path: `/re/${EVIL}$`, pathType: 'regex', upstream: upstream.url }, 'cli');
    r.routes.create({ name: 'header-re', path: '/hdr', headers: [{ name: 'x-user', regex: EVIL }], upstream: upstream.url }, 'cli');
    r.routes.create({ name: 'canary-re', path: '/canary', upstream: upstream.url, canary: { upstream: canary.url, header: 'x-canary', headerRegex: EVIL, weight: 0 } }, 'cli');
    r.routes.create({ name: 'rewrite-re', path: '/rw', upstream: upstream.url, rewrite: { regex: `^/rw/${EVIL}$|^/rw/(b+)/(?<rest>.*)$`, replacement: '/to/$2/$<rest>' } }, 'cli');
    r.routes.create({ name: 'cors-re', path: '/cors', upstream: upstream.url, cors: { allowOrigins: ['https://*.*.*.example.com'] } }, 'cli');
    r.secrets.put('re-key', 'k', 'cli');
    r.llmProviders.create({ name: 're', type: 'openai', baseUrl: `${provider.url}/v1`, keySecrets: ['re-key'], modelMap: [[`~^${EVIL}$`, 'mapped-$1'], ['~^c-(x+)$', 'mapped-$1']] }, 'cli');
    r.llmRoutes.create({ name: 'model-map-re', model: 'a*', targets: [{ provider: 're' }] }, 'cli');
    r.llmRoutes.create({ name: 'mapped', model: 'c-*', targets: [{ provider: 're' }] }, 'cli');
    r.llmRoutes.create({ name: 'model-re', model: `^(b+)+$`, match: 'regex', targets: [{ provider: 're' }] }, 'cli');
    const version = r.version();
    await waitFor(() => (gw.snapshots.current()?.version ?? -1) >= version, 'the snapshot with every route');
    // Warm up (connections, lazily loaded code), so the probes below measure the regexes alone.
    await (await fetch(`${gw.url}/re/a`)).arrayBuffer();
    await (await chat('c-x')).arrayBuffer();
  });
  afterAll(async () => {
    await gw.stop();
    await upstream.close();
    await canary.close();
    await provider.close();
  });

  it.each<{ what: string; send: () => Promise<Response>; status: number }>([
    { what: 'route path regex', send: () => fetch(`${gw.url}/re/${NEAR}`), status: 404 },
    { what: 'route header regex', send: () => fetch(`${gw.url}/hdr`, { headers: { 'x-user': NEAR } }), status: 404 },
    { what: 'canary headerRegex', send: () => fetch(`${gw.url}/canary`, { headers: { 'x-canary': NEAR } }), status: 200 },
    { what: 'path rewrite regex', send: () => fetch(`${gw.url}/rw/${NEAR}`), status: 200 },
    { what: 'CORS wildcard origin', send: () => fetch(`${gw.url}/cors`, { headers: { origin: EVIL_ORIGIN } }), status: 200 },
    { what: 'LLM model route regex', send: () => chat('b'.repeat(25) + '!'), status: 404 },
    { what: 'provider model map regex', send: () => chat(NEAR), status: 200 },
  ])('$what: a near-match does not stall the loop', async ({ send, status }) => {
    const probe = startLoopProbe();
    const res = await send();
    await res.arrayBuffer();
    const stall = probe.stop();
    expect(res.status).toBe(status);
    expect(stall).toBeLessThan(STALL_MS);
  });

  it('the same patterns still match what they are meant to', async () => {
    expect((await fetch(`${gw.url}/re/aaa`)).status).toBe(200);
    expect((await fetch(`${gw.url}/hdr`, { headers: { 'x-user': 'aa' } })).status).toBe(200);
    expect((await fetch(`${gw.url}/hdr`, { headers: { 'x-user': 'aab' } })).status).toBe(404);
    expect((await fetch(`${gw.url}/canary`, { headers: { 'x-canary': 'aaa' } })).headers.get('x-upstream')).toBe('canary');
    expect((await fetch(`${gw.url}/canary`, { headers: { 'x-canary': 'aaab' } })).headers.get('x-upstream')).toBe('main');
    const rw = (await (await fetch(`${gw.url}/rw/bb/x/y`)).json()) as { url: string };
    expect(rw.url).toBe('/to/bb/x/y');
    const cors = await fetch(`${gw.url}/cors`, { headers: { origin: 'https://a.b.c.example.com' } });
    expect(cors.headers.get('access-control-allow-origin')).toBe('https://a.b.c.example.com');
    expect((await fetch(`${gw.url}/cors`, { headers: { origin: 'https://b.c.example.com' } })).headers.get('access-control-allow-origin')).toBeNull();
    expect((await chat('bbb')).status).toBe(200);
    const before = provider.calls.length;
    expect((await chat('c-xx')).status).toBe(200);
    expect(provider.calls[before]?.body.model).toBe('mapped-xx');
  });
});

describe('a pattern RE2 cannot run is refused when written, naming the field', () => {
  let gw: TestGateway;

  beforeAll(async () => {
    gw = await startTestGateway();
    gw.registry.secrets.put('k', 'v', 'cli');
    gw.registry.llmProviders.create({ name: 'p', type: 'openai', baseUrl: 'http://127.0.0.1:9/v1', keySecrets: ['k'] }, 'cli');
  });
  afterAll(async () => {
    await gw.stop();
  });

  const refusal = (write: () => unknown): string => {
    try {
      write();
    } catch (err) {
      return String((err as { details?: string[] }).details ?? (err as Error).message);
    }
    return 'accepted';
  };
  let n = 0;
  const route = (extra: Record<string, unknown>) => () => gw.registry.routes.create({ name: `r${++n}`, path: '/r', upstream: 'http://127.0.0.1:9', ...extra }, 'cli');

  it.each<{ field: string; write: () => unknown }>([
    { field: 'route.path', write: route({ path: '/(a)\\1$', pathType: 'regex' }) },
    { field: 'route.headers[0].regex', write: route({ headers: [{ name: 'x', regex: '(?=a)a' }] }) },
    { field: 'route.query[0].regex', write: route({ query: [{ name: 'q', regex: '(?<!a)b' }] }) },
    { field: 'route.rewrite.regex', write: route({ rewrite: { regex: '^/r/(\\w+)\\1', replacement: '/' } }) },
    { field: 'route.canary.headerRegex', write: route({ canary: { upstream: 'http://127.0.0.1:9', header: 'x', headerRegex: 'a(?!b)', weight: 0 } }) },
    { field: 'llmRoute.model', write: () => gw.registry.llmRoutes.create({ name: 'm', model: '^gpt(?=-4)', match: 'regex', targets: [{ provider: 'p' }] }, 'cli') },
    { field: 'llmProvider.modelMap[1]', write: () => gw.registry.llmProviders.create({ name: 'q', type: 'openai', baseUrl: 'http://127.0.0.1:9/v1', keySecrets: ['k'], modelMap: [['a', 'b'], ['~^(x)\\1$', 'y']] }, 'cli') },
  ])('$field', ({ field, write }) => {
    const message = refusal(write);
    expect(message).toContain(`${field}: is not a valid regular expression`);
    expect(message).toContain('RE2');
  });
});
