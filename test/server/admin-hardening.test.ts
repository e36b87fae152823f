import { request } from 'node:http';
import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startTestGateway, type TestGateway } from '../helpers/gateway.js';
import { serveOutcome } from '../helpers/serve.js';
import { tempDir } from '../helpers/temp-dir.js';

interface RawAnswer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/** One admin request over a fresh connection, with the Host header and source address we choose. */
function raw(url: string, o: { path: string; method?: string; host?: string; token?: string; body?: string; from?: string }): Promise<RawAnswer> {
  const u = new URL(url);
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: u.hostname,
        port: u.port,
        path: o.path,
        method: o.method ?? 'GET',
        localAddress: o.from,
        agent: false,
        setHost: false,
        headers: {
          host: o.host ?? u.host,
          ...(o.token && { authorization: `Bearer ${o.token}` }),
          ...(o.body !== undefined && { 'content-type': 'application/json', 'content-length': Buffer.byteLength(o.body) }),
        },
      },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (c) => (body += c));
        res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body }));
      },
    );
    req.on('error', reject);
    req.end(o.body);
  });
}

describe('admin token policy', () => {
  const tmp = tempDir();
  afterAll(() => tmp.cleanup());

  it.each([
    ['too short', 'letmein'],
    ['long but one character repeated', 'a'.repeat(40)],
    ['long but low entropy', 'passwordpassword1'],
  ])('serve refuses an AGATE_ADMIN_TOKEN that is %s, naming the variable and the rule', async (_what, token) => {
    const out = await serveOutcome(join(tmp.dir, 'weak.db'), { AGATE_ADMIN_TOKEN: token });
    expect(out.code).toBe(1);
    expect(out.stderr).toMatch(/AGATE_ADMIN_TOKEN is too weak: .*at least 16 characters/);
  });

  it('a generated-strength token is accepted', async () => {
    const out = await serveOutcome(join(tmp.dir, 'strong.db'), { AGATE_ADMIN_TOKEN: randomBytes(24).toString('base64url') });
    expect(out.stderr).toContain('npx agate status');
  });

  it('a weak admin.token file is refused too; a readable strong one starts with a warning naming it', async () => {
    const weakDir = tempDir();
    writeFileSync(join(weakDir.dir, 'admin.token'), 'short\n', { mode: 0o600 });
    await expect(startTestGateway({ dbPath: join(weakDir.dir, 'agate.db') })).rejects.toThrow(/admin\.token is too weak/);
    weakDir.cleanup();
    const dir = tempDir();
    const file = join(dir.dir, 'admin.token');
    writeFileSync(file, randomBytes(24).toString('hex') + '\n', { mode: 0o644 });
    const gw = await startTestGateway({ dbPath: join(dir.dir, 'agate.db') });
    try {
      const warnings = gw.logs.filter((l) => l.level === 40).map((l) => String(l.msg));
      expect(warnings).toContain(`${file} is readable by group or others (mode 0644); run chmod 600 on it`);
    } finally {
      await gw.close();
      dir.cleanup();
    }
  });
});

describe('admin listener hardening', () => {
  let gw: TestGateway;
  beforeAll(async () => {
    gw = await startTestGateway({ gateway: { adminAllowedHosts: ['admin.internal'] } });
  });
  afterAll(async () => {
    await gw.stop();
  });
  const port = () => new URL(gw.adminUrl).port;

  it.each([
    ['a foreign name (DNS rebinding)', 'evil.example', 403],
    ['a foreign name with the port', 'evil.example:PORT', 403],
    ['localhost', 'localhost:PORT', 200],
    ['127.0.0.1', '127.0.0.1:PORT', 200],
    ['[::1]', '[::1]:PORT', 200],
    ['a configured name', 'admin.internal:PORT', 200],
  ])("Host: %s (%s) → %i", async (_what, host, status) => {
    const res = await raw(gw.adminUrl, { path: '/routes', host: host.replace('PORT', port()), token: gw.adminToken.token });
    expect(res.status).toBe(status);
    if (status === 403) expect(JSON.parse(res.body).error).toMatchObject({ code: 'GW_ERR_ADMIN_HOST_NOT_ALLOWED' });
  });

  it('a deeply nested JSON body is a 400 naming the limit, and the loop keeps answering /healthz meanwhile', async () => {
    const depth = 200_000;
    const body = '{"name":"deep","x":' + '['.repeat(depth) + ']'.repeat(depth) + '}';
    const probes: number[] = [];
    let running = true;
    const probe = (async () => {
      while (running) {
        const t = performance.now();
        await raw(gw.adminUrl, { path: '/healthz' });
        probes.push(performance.now() - t);
      }
    })();
    const res = await raw(gw.adminUrl, { path: '/routes', method: 'POST', token: gw.adminToken.token, body });
    running = false;
    await probe;
    expect(res.status).toBe(400);
    expect(JSON.parse(res.body).error).toMatchObject({ code: 'GW_ERR_BAD_REQUEST' });
    expect(JSON.parse(res.body).error.message).toMatch(/nests deeper than 64 levels/);
    expect(Math.max(...probes)).toBeLessThan(1000);
  });
});

describe('failed admin authentication is rate limited per client address', () => {
  let gw: TestGateway;
  beforeAll(async () => {
    gw = await startTestGateway();
  });
  afterEach(() => undefined);
  afterAll(async () => {
    await gw.stop();
  });

  it('after 20 failures from one address it answers 429 with Retry-After, even to the right token; another address is unaffected', async () => {
    for (let i = 0; i < 20; i++) {
      const res = await raw(gw.adminUrl, { path: '/routes', token: `agt_wrong_${i}`, from: '127.0.0.1' });
      expect(res.status).toBe(401);
    }
    const locked = await raw(gw.adminUrl, { path: '/routes', token: gw.adminToken.token, from: '127.0.0.1' });
    expect(locked.status).toBe(429);
    const retryAfter = Number(locked.headers['retry-after']);
    expect(retryAfter).toBeGreaterThan(0);
    expect(retryAfter).toBeLessThanOrEqual(60);
    expect(JSON.parse(locked.body).error).toMatchObject({ code: 'GW_ERR_ADMIN_AUTH_RATE_LIMITED' });
    // A second client (another loopback address) still gets in, and its own failure is a plain 401.
    expect((await raw(gw.adminUrl, { path: '/routes', token: gw.adminToken.token, from: '127.0.0.2' })).status).toBe(200);
    expect((await raw(gw.adminUrl, { path: '/routes', token: 'agt_wrong', from: '127.0.0.2' })).status).toBe(401);
    // Health probes stay open.
    expect((await raw(gw.adminUrl, { path: '/healthz', from: '127.0.0.1' })).status).toBe(200);
  });
});
