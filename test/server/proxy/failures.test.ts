import { setTimeout as delay } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestGateway, waitFor, type TestGateway } from '../../helpers/gateway.js';
import { startUpstream } from '../../helpers/loopback-upstream.js';
import { closedPort, configure, expectNoFdLeak, fdCount, rawRequest, resetConfig, startChaos, type ChaosServer } from '../../helpers/proxy.js';

describe('upstream failures', () => {
  let gw: TestGateway;

  beforeAll(async () => {
    gw = await startTestGateway();
  });
  afterAll(async () => {
    await gw.stop();
  });

  async function route(upstream: string, extra: Record<string, unknown> = {}): Promise<void> {
    await resetConfig(gw);
    await configure(gw, (r) => r.routes.create({ name: 'f', path: '/f', upstream, ...extra }, 'cli'));
  }

  it('connection refused → 502 UF within the connect timeout, no descriptor leak', async () => {
    await route(`http://127.0.0.1:${await closedPort()}`, { timeouts: { connectMs: 1000 } });
    const before = fdCount();
    const started = Date.now();
    const res = await fetch(`${gw.url}/f/x`);
    expect(res.status).toBe(502);
    expect((await res.json()).error.code).toBe('GW_ERR_UPSTREAM_CONNECT');
    expect(Date.now() - started).toBeLessThan(1000);
    expect(gw.logs.at(-1)).toMatchObject({ status: 502, flag: 'UF' });
    await expectNoFdLeak(before);
  });

  it.each([
    ['accepts and never answers', (s: import('node:net').Socket) => void s, 504, 'GW_ERR_UPSTREAM_TIMEOUT', 'UT'],
    ['sends garbage', (s: import('node:net').Socket) => s.end('HTTP/1.1 999 ???\r\nfoo\r\n\r\n'), 502, 'GW_ERR_UPSTREAM_PROTOCOL', 'UPE'],
    ['sends random bytes', (s: import('node:net').Socket) => s.end(Buffer.from([0xde, 0xad, 0xbe, 0xef, 13, 10, 13, 10])), 502, 'GW_ERR_UPSTREAM_PROTOCOL', 'UPE'],
    ['closes before answering', (s: import('node:net').Socket) => s.once('data', () => s.destroy()), 502, 'GW_ERR_UPSTREAM_RESET', 'UR'],
  ])('upstream %s → %i %s (%s), no descriptor leak', async (_name, behave, status, code, flag) => {
    const chaos = await startChaos(behave);
    try {
      await route(chaos.url, { timeouts: { firstByteMs: 300 } });
      const before = fdCount();
      const res = await fetch(`${gw.url}/f/x`);
      expect(res.status).toBe(status);
      expect((await res.json()).error.code).toBe(code);
      expect(gw.logs.at(-1)).toMatchObject({ status, flag });
      await chaos.close();
      await expectNoFdLeak(before);
    } finally {
      await chaos.close();
    }
  });

  it('upstream resets mid-stream → the client connection is aborted, never ended cleanly', async () => {
    const chaos = await startChaos((s) => {
      s.once('data', () => {
        s.write('HTTP/1.1 200 OK\r\ncontent-type: text/event-stream\r\ntransfer-encoding: chunked\r\n\r\n');
        s.write('6\r\ndata 1\r\n');
        setImmediate(() => s.resetAndDestroy());
      });
    });
    try {
      await route(chaos.url);
      const before = fdCount();
      const res = await rawRequest(gw.url, 'GET /f/stream HTTP/1.1\r\nHost: localhost\r\n\r\n');
      expect(res.status).toBe(200);
      expect(res.raw).toContain('data 1');
      expect(res.closed).toBe(true);
      // A clean end of a chunked body is the zero-length chunk: it must never be sent.
      expect(res.raw).not.toMatch(/\r\n0\r\n\r\n$/);
      await waitFor(() => gw.logs.at(-1)?.flag === 'UR', 'the access log line');
      await chaos.close();
      await expectNoFdLeak(before);
    } finally {
      await chaos.close();
    }
  });

  it('client disconnects → the upstream request is aborted within 1 s', async () => {
    let upstreamClosedAt = 0;
    let chaos: ChaosServer | undefined;
    chaos = await startChaos((s) => {
      s.once('data', () => s.write('HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n5\r\nhello\r\n'));
      s.once('close', () => (upstreamClosedAt = Date.now()));
    });
    try {
      await route(chaos.url);
      const before = fdCount();
      const controller = new AbortController();
      const res = await fetch(`${gw.url}/f/long`, { signal: controller.signal });
      const reader = res.body!.getReader();
      await reader.read();
      const abortedAt = Date.now();
      controller.abort();
      await waitFor(() => upstreamClosedAt, 'the upstream socket to close', 1000);
      expect(upstreamClosedAt - abortedAt).toBeLessThan(1000);
      await waitFor(() => gw.logs.at(-1)?.flag === 'DC', 'a DC access log line');
      await chaos.close();
      await expectNoFdLeak(before);
    } finally {
      await chaos?.close();
    }
  });

  it('the total timeout ends a slow trickle; the idle timeout lets a steady stream live', async () => {
    const trickle = await startChaos((s) => {
      s.once('data', () => {
        s.write('HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n');
        const t = setInterval(() => s.writable && s.write('1\r\n.\r\n'), 50);
        s.once('close', () => clearInterval(t));
      });
    });
    try {
      // Chunks every 50 ms: an idle timeout of 200 ms never fires; the total of 600 ms does.
      await route(trickle.url, { timeouts: { idleMs: 200, totalMs: 600 } });
      const started = Date.now();
      const res = await rawRequest(gw.url, 'GET /f/x HTTP/1.1\r\nHost: localhost\r\n\r\n', 3000);
      expect(res.status).toBe(200);
      expect(res.closed).toBe(true);
      expect(Date.now() - started).toBeGreaterThanOrEqual(500);
      expect(Date.now() - started).toBeLessThan(2500);
      expect((res.raw.match(/1\r\n\.\r\n/g) ?? []).length).toBeGreaterThan(5);
    } finally {
      await trickle.close();
    }
  });

  it('the idle timeout aborts a stream that goes quiet', async () => {
    const quiet = await startChaos((s) => {
      s.once('data', () => s.write('HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n1\r\n.\r\n'));
    });
    try {
      await route(quiet.url, { timeouts: { idleMs: 200 } });
      const started = Date.now();
      const res = await rawRequest(gw.url, 'GET /f/x HTTP/1.1\r\nHost: localhost\r\n\r\n', 3000);
      expect(res.closed).toBe(true);
      expect(Date.now() - started).toBeLessThan(2000);
      expect(res.raw).not.toMatch(/\r\n0\r\n\r\n$/);
    } finally {
      await quiet.close();
    }
  });

  it('survives every fault above: still serves a healthy upstream', async () => {
    const ok = await startUpstream('ok');
    try {
      await route(ok.url);
      await delay(1);
      expect((await fetch(`${gw.url}/f/x`)).status).toBe(200);
    } finally {
      await ok.close();
    }
  });
});
