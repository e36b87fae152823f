import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestGateway, waitFor, type TestGateway } from '../helpers/gateway.js';
import { startUpstream, type LoopbackUpstream } from '../helpers/loopback-upstream.js';

const KEY = 'admin-written-key-5f3a9c';
const LEGACY = 'legacy-plain-key-0042';

describe('admin API: route header values are sealed and masked', () => {
  let gw: TestGateway;
  let upstream: LoopbackUpstream;

  beforeAll(async () => {
    gw = await startTestGateway();
    upstream = await startUpstream('u', (req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ key: req.headers['x-custom-auth'] ?? null, accept: req.headers.accept ?? null }));
    });
  });
  afterAll(async () => {
    await gw.stop();
    await upstream.close();
  });

  const call = (method: string, path: string, body?: unknown) =>
    fetch(gw.adminUrl + path, {
      method,
      headers: { authorization: `Bearer ${gw.adminToken.token}`, ...(body !== undefined && { 'content-type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  const served = async (path: string) => (await fetch(gw.url + path)).json();

  it('POST stores the value sealed; POST, GET, list and audit answers show the mask; the gateway sends the value', async () => {
    const spec = { name: 'r1', path: '/r1', upstream: upstream.url, requestHeaders: { set: { 'x-custom-auth': KEY, accept: 'application/json' } } };
    const created = await call('POST', '/routes', spec);
    expect(created.status).toBe(201);
    const texts = [await created.text(), await (await call('GET', '/routes/r1')).text(), await (await call('GET', '/routes')).text(), await (await call('GET', '/audit')).text()];
    for (const t of texts) expect(t).not.toContain(KEY);
    expect(JSON.parse(texts[1]!).requestHeaders.set).toEqual({ 'x-custom-auth': '********', accept: 'application/json' });
    const raw = gw.registry.db.prepare("SELECT spec FROM routes WHERE name = 'r1'").pluck().get() as string;
    expect(raw).not.toContain(KEY);
    await waitFor(async () => (await served('/r1')).key === KEY, 'the decrypted header upstream');
  });

  it('a GET answer PUT back unchanged keeps the stored value (the mask stands for it)', async () => {
    const shown = await (await call('GET', '/routes/r1')).json();
    const put = await call('PUT', '/routes/r1', { ...shown, priority: 7 });
    expect(put.status).toBe(200);
    await waitFor(async () => gw.registry.routes.get('r1')?.priority === 7, 'the update');
    expect(await served('/r1')).toEqual({ key: KEY, accept: 'application/json' });
  });

  it('the mask for a header with no stored value is a 400 naming the field', async () => {
    const res = await call('POST', '/routes', { name: 'r2', path: '/r2', upstream: upstream.url, requestHeaders: { set: { 'x-custom-auth': '********' } } });
    expect(res.status).toBe(400);
    expect((await res.json()).error.problems.join()).toContain('route.requestHeaders.set.x-custom-auth');
  });

  it("another route's sealed value cannot be copied in (bound to route and header)", async () => {
    const raw = JSON.parse(gw.registry.db.prepare("SELECT spec FROM routes WHERE name = 'r1'").pluck().get() as string);
    const res = await call('POST', '/routes', { name: 'r3', path: '/r3', upstream: upstream.url, requestHeaders: { set: { 'x-custom-auth': raw.requestHeaders.set['x-custom-auth'] } } });
    expect(res.status).toBe(400);
    expect((await res.json()).error.problems.join()).toMatch(/route\.requestHeaders\.set\.x-custom-auth: .*cannot be decrypted/);
  });

  it('a row stored in plain text by an older agate keeps working and is masked when shown', async () => {
    const spec = { name: 'old', path: '/old', pathType: 'prefix', upstream: upstream.url, stripPrefix: false, priority: 0, timeoutMs: 30000, enabled: true, requestHeaders: { set: { 'x-custom-auth': LEGACY } } };
    gw.registry.db.prepare("INSERT INTO routes (name, spec) VALUES ('old', ?)").run(JSON.stringify(spec));
    await waitFor(async () => (await served('/old')).key === LEGACY, 'the legacy route served');
    const shown = await (await call('GET', '/routes/old')).text();
    expect(shown).not.toContain(LEGACY);
    // Written back through the API, the legacy value is sealed.
    expect((await call('PUT', '/routes/old', JSON.parse(shown))).status).toBe(200);
    const raw = gw.registry.db.prepare("SELECT spec FROM routes WHERE name = 'old'").pluck().get() as string;
    expect(raw).not.toContain(LEGACY);
    await waitFor(async () => (await served('/old')).key === LEGACY, 'the resealed route served');
  });
});
