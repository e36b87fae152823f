import { createHash, randomBytes } from 'node:crypto';
import { createServer, request, type IncomingHttpHeaders, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestGateway, waitFor, type TestGateway } from '../helpers/gateway.js';

/** A raw upstream whose handler the test sets per case. */
interface RawUpstream {
  url: string;
  server: Server;
  handler: (req: IncomingMessage, res: ServerResponse) => void;
}

async function startRawUpstream(): Promise<RawUpstream> {
  const up: RawUpstream = { url: '', server: createServer((req, res) => up.handler(req, res)), handler: (_req, res) => void res.end() };
  await new Promise<void>((resolve) => up.server.listen(0, '127.0.0.1', resolve));
  up.url = `http://127.0.0.1:${(up.server.address() as AddressInfo).port}`;
  return up;
}

/** Rejects with `what` if `promise` has not settled within `ms`: a bound, not a synchronisation sleep. */
function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout;
  return Promise.race([
    promise.finally(() => clearTimeout(timer)),
    new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`timed out waiting for ${what}`)), ms))),
  ]);
}

/** A deferred: a promise and the function that resolves it. */
function signal<T = void>(): { promise: Promise<T>; fire: (v: T) => void } {
  let fire!: (v: T) => void;
  const promise = new Promise<T>((resolve) => (fire = resolve));
  return { promise, fire };
}

/** The response to a one-shot request, with how it ended: 'end' (complete) or 'aborted'. */
interface Outcome {
  status: number;
  headers: IncomingHttpHeaders;
  body: Buffer;
  ending: 'end' | 'aborted';
}

function send(url: string, options: { method?: string; headers?: Record<string, string>; body?: Buffer; onData?: () => void } = {}): Promise<Outcome> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method: options.method ?? 'GET', headers: options.headers, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      let settled = false;
      const done = (ending: Outcome['ending']) => {
        if (settled) return;
        settled = true;
        resolve({ status: res.statusCode!, headers: res.headers, body: Buffer.concat(chunks), ending });
      };
      res.on('data', (c: Buffer) => {
        chunks.push(c);
        options.onData?.();
      });
      res.on('end', () => done(res.complete ? 'end' : 'aborted'));
      res.on('error', () => done('aborted'));
      res.on('close', () => done(res.complete ? 'end' : 'aborted'));
    });
    req.on('error', reject);
    req.end(options.body);
  });
}

const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');

describe('HTTP proxy basics', () => {
  let gw: TestGateway;
  let up: RawUpstream;
  let closedPort: number;

  beforeAll(async () => {
    gw = await startTestGateway();
    up = await startRawUpstream();
    // A port nothing listens on: bind one, then close it.
    const tmp = createServer();
    await new Promise<void>((resolve) => tmp.listen(0, '127.0.0.1', resolve));
    closedPort = (tmp.address() as AddressInfo).port;
    await new Promise<void>((resolve) => tmp.close(() => resolve()));

    const routes = gw.registry.routes;
    routes.create({ name: 'raw', path: '/raw', upstream: up.url }, 'cli');
    routes.create({ name: 'refused', path: '/refused', upstream: `http://127.0.0.1:${closedPort}` }, 'cli');
    routes.create({ name: 'slow', path: '/slow', upstream: up.url, timeoutMs: 200 }, 'cli');
    await waitFor(() => (gw.snapshots.current()?.stats.routes === 3 ? true : undefined), 'the routes to load');
  });
  afterAll(async () => {
    up.server.closeAllConnections();
    await new Promise<void>((resolve) => up.server.close(() => resolve()));
    await gw.stop();
  });

  const accessLog = (path: string) => waitFor(() => gw.logs.filter((l) => l.msg === 'access' && l.path === path).at(-1), `the access log for ${path}`);

  describe('streaming', () => {
    it.each([
      ['chunked', { 'transfer-encoding': 'chunked' }],
      ['with a content-length', { 'content-length': String(64 * 1024 + 4 * 1024 * 1024) }],
    ])('a large request body (%s) reaches the upstream before the client has finished sending it', async (_what, headers) => {
      const firstChunk = signal();
      const received = signal<{ bytes: number; digest: string }>();
      up.handler = (req, res) => {
        const hash = createHash('sha256');
        let bytes = 0;
        req.on('data', (c: Buffer) => {
          if (bytes === 0) firstChunk.fire();
          bytes += c.length;
          hash.update(c);
        });
        req.on('end', () => {
          const digest = hash.digest('hex');
          received.fire({ bytes, digest });
          res.end(JSON.stringify({ bytes, digest }));
        });
      };
      const head = randomBytes(64 * 1024);
      const rest = randomBytes(4 * 1024 * 1024);
      const response = new Promise<Outcome>((resolve, reject) => {
        const req = request(`${gw.url}/raw/upload`, { method: 'POST', headers, agent: false }, (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body: Buffer.concat(chunks), ending: 'end' }));
        });
        req.on('error', reject);
        req.write(head);
        // Only once the upstream has bytes does the client send the remaining 4 MiB.
        void within(firstChunk.promise, 5000, 'the first chunk at the upstream').then(
          () => req.end(rest),
          (err) => {
            req.destroy();
            reject(err);
          },
        );
      });
      const res = await response;
      expect(res.status).toBe(200);
      expect(JSON.parse(res.body.toString())).toEqual({ bytes: head.length + rest.length, digest: sha(Buffer.concat([head, rest])) });
    });

    it('a large response body reaches the client before the upstream has finished sending it', async () => {
      const clientHasFirst = signal();
      const rest = randomBytes(4 * 1024 * 1024);
      const head = randomBytes(16 * 1024);
      up.handler = (_req, res) => {
        res.writeHead(200, { 'content-type': 'application/octet-stream' });
        res.write(head);
        void within(clientHasFirst.promise, 5000, 'the client to receive the first chunk').then(
          () => res.end(rest),
          () => res.destroy(),
        );
      };
      const body = await new Promise<Buffer>((resolve, reject) => {
        request(`${gw.url}/raw/download`, { agent: false }, (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => {
            chunks.push(c);
            clientHasFirst.fire();
          });
          res.on('end', () => (res.complete ? resolve(Buffer.concat(chunks)) : reject(new Error('response aborted'))));
          res.on('error', reject);
        })
          .on('error', reject)
          .end();
      });
      expect(body.length).toBe(head.length + rest.length);
      expect(sha(body)).toBe(sha(Buffer.concat([head, rest])));
    });
  });

  describe('headers', () => {
    it('strips hop-by-hop request headers, including those the client listed in Connection', async () => {
      let seen: IncomingHttpHeaders = {};
      up.handler = (req, res) => {
        seen = req.headers;
        res.end('ok');
      };
      const res = await send(`${gw.url}/raw/h`, {
        headers: {
          connection: 'keep-alive, X-Hop-Custom, x-other-hop',
          'x-hop-custom': 'must not pass',
          'x-other-hop': 'must not pass',
          'keep-alive': 'timeout=99',
          te: 'trailers',
          'proxy-authorization': 'Basic c2VjcmV0',
          'proxy-connection': 'keep-alive',
          'x-end-to-end': 'passes',
        },
      });
      expect(res.status).toBe(200);
      for (const h of ['x-hop-custom', 'x-other-hop', 'keep-alive', 'te', 'proxy-authorization', 'proxy-connection']) {
        expect(seen, h).not.toHaveProperty(h);
      }
      expect(seen.connection ?? '').not.toMatch(/hop/i);
      expect(seen['x-end-to-end']).toBe('passes');
    });

    it('strips hop-by-hop response headers, including those the upstream listed in Connection', async () => {
      up.handler = (_req, res) => {
        res.writeHead(200, {
          connection: 'x-resp-hop',
          'x-resp-hop': 'must not pass',
          'keep-alive': 'timeout=99',
          'proxy-authenticate': 'Basic realm="upstream"',
          'x-resp-e2e': 'passes',
        });
        res.end('ok');
      };
      const res = await send(`${gw.url}/raw/h`);
      expect(res.status).toBe(200);
      expect(res.headers).not.toHaveProperty('x-resp-hop');
      expect(res.headers).not.toHaveProperty('proxy-authenticate');
      expect(res.headers['keep-alive'] ?? '').not.toContain('timeout=99');
      expect(res.headers.connection ?? '').not.toContain('x-resp-hop');
      expect(res.headers['x-resp-e2e']).toBe('passes');
    });

    it.each<[string, Record<string, string>, string]>([
      ['no forwarding headers', {}, ''],
      ['a forged X-Forwarded-For', { 'x-forwarded-for': '6.6.6.6' }, ''],
      ['a forged chain and proto/host', { 'x-forwarded-for': '6.6.6.6, 7.7.7.7', 'x-forwarded-proto': 'https', 'x-forwarded-host': 'evil.example' }, ''],
      ['a custom Host', { host: 'shop.localhost' }, 'shop.localhost'],
    ])('sets X-Forwarded-For/-Proto/-Host from the connection, given %s', async (_what, headers, host) => {
      let seen: IncomingHttpHeaders = {};
      up.handler = (req, res) => {
        seen = req.headers;
        res.end('ok');
      };
      const res = await send(`${gw.url}/raw/xff`, { headers });
      expect(res.status).toBe(200);
      expect(seen['x-forwarded-for']).toBe('127.0.0.1');
      expect(seen['x-forwarded-proto']).toBe('http');
      expect(seen['x-forwarded-host']).toBe(host || new URL(gw.url).host);
      expect(seen['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
    });
  });

  describe('upstream failures', () => {
    it('an upstream refusing the connection → 502 GW_ERR_UPSTREAM_CONNECT, flag UF', async () => {
      const res = await send(`${gw.url}/refused/x`);
      expect(res.status).toBe(502);
      expect(JSON.parse(res.body.toString()).error).toMatchObject({ code: 'GW_ERR_UPSTREAM_CONNECT', requestId: res.headers['x-request-id'] });
      expect(await accessLog('/refused/x')).toMatchObject({ status: 502, flag: 'UF', code: 'GW_ERR_UPSTREAM_CONNECT', route: 'refused' });
    });

    it('an upstream that never answers → 504 GW_ERR_UPSTREAM_TIMEOUT, flag UT, after the route timeout', async () => {
      const arrived = signal();
      up.handler = () => arrived.fire();
      const started = Date.now();
      const res = await send(`${gw.url}/slow/x`);
      const took = Date.now() - started;
      await arrived.promise;
      expect(res.status).toBe(504);
      expect(JSON.parse(res.body.toString()).error.code).toBe('GW_ERR_UPSTREAM_TIMEOUT');
      expect(took).toBeGreaterThanOrEqual(190);
      expect(took).toBeLessThan(5000);
      expect(await accessLog('/slow/x')).toMatchObject({ status: 504, flag: 'UT', code: 'GW_ERR_UPSTREAM_TIMEOUT' });
    });

    it.each([
      ['with a content-length', { 'content-length': '1000000' }],
      ['chunked', {}],
    ])('an upstream that resets mid-body (%s) aborts the client response instead of ending it', async (_what, headers) => {
      // The upstream resets only once the client holds part of the body: the response has really started.
      const clientHasData = signal();
      up.handler = (_req, res) => {
        res.writeHead(200, { 'content-type': 'application/octet-stream', ...headers });
        res.write(randomBytes(32 * 1024));
        void within(clientHasData.promise, 5000, 'the client to receive data').finally(() => res.socket?.destroy());
      };
      const res = await send(`${gw.url}/raw/reset-${Object.keys(headers).length}`, { onData: () => clientHasData.fire() });
      expect(res.status).toBe(200);
      expect(res.ending).toBe('aborted');
      expect(res.body.length).toBeGreaterThan(0);
      expect(res.body.length).toBeLessThan(1_000_000);
      expect((await accessLog(`/raw/reset-${Object.keys(headers).length}`)).code).toMatch(/^GW_ERR_UPSTREAM_/);
    });
  });
});
