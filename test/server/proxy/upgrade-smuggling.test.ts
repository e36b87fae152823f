import { connect } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startTestGateway, waitFor, type TestGateway } from '../../helpers/gateway.js';
import { startUpstream, type LoopbackUpstream } from '../../helpers/loopback-upstream.js';
import { configure, rawRequest, startChaos, type ChaosServer } from '../../helpers/proxy.js';

const h = (lines: string[]) => lines.join('\r\n') + '\r\n\r\n';
const upgradeRequest = h(['GET /ws/chat HTTP/1.1', 'Host: localhost', 'Upgrade: websocket', 'Connection: Upgrade', 'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==', 'Sec-WebSocket-Version: 13']);
const smuggled = h(['GET /private/secret HTTP/1.1', 'Host: localhost']);

// An upgrade the upstream refuses (any answer but 101) is an ordinary exchange: it is relayed and the connection
// closed. Splicing the sockets before the 101 let later requests on the connection reach the upstream unrouted,
// unauthenticated and without X-Forwarded-For (request smuggling through the tunnel).
describe('WebSocket upgrade smuggling', () => {
  let gw: TestGateway;
  let refusing: ChaosServer;
  let upstream: LoopbackUpstream;
  /** Everything the refusing upstream received, all connections together. */
  let received = '';

  beforeAll(async () => {
    gw = await startTestGateway();
    // Answers every request head it sees with a 200 and keeps the connection open, as a keep-alive server would.
    refusing = await startChaos((s) => {
      s.on('data', (c: Buffer) => {
        received += c.toString('latin1');
        for (const _ of c.toString('latin1').matchAll(/\r\n\r\n/g)) s.write('HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok');
      });
    });
    upstream = await startUpstream('u');
    await configure(gw, (r) => {
      r.consumers.store.create({ name: 'alice' }, 'cli');
      r.routes.create({ name: 'ws', path: '/ws', upstream: refusing.url }, 'cli');
      r.routes.create({ name: 'api', path: '/api', upstream: upstream.url }, 'cli');
      r.routes.create({ name: 'private', path: '/private', upstream: refusing.url, auth: {} }, 'cli');
      r.routes.create({ name: 'private-api', path: '/private-api', upstream: upstream.url, auth: {} }, 'cli');
    });
  });
  beforeEach(() => {
    received = '';
    upstream.requests.length = 0;
  });
  afterAll(async () => {
    await gw?.stop();
    await refusing?.close();
    await upstream?.close();
  });

  it('relays a refused upgrade and closes: a request pipelined behind it never reaches the upstream', async () => {
    const res = await rawRequest(gw.url, upgradeRequest + smuggled);
    expect(res.status).toBe(200);
    expect(res.raw).toMatch(/\r\n\r\nok$/);
    expect(res.closed).toBe(true);
    expect(received).toContain('GET /ws/chat HTTP/1.1');
    expect(received).not.toContain('/secret');
  });

  it('a request written after the refusal arrived is not carried to the upstream either', async () => {
    const { port } = new URL(gw.url);
    const socket = connect(Number(port), '127.0.0.1');
    let raw = '';
    let closed = false;
    socket.on('data', (c) => (raw += c.toString('latin1')));
    socket.on('close', () => (closed = true));
    socket.on('error', () => undefined);
    socket.write(upgradeRequest);
    await waitFor(() => raw.endsWith('ok'), 'the refusal');
    if (!socket.destroyed) socket.write(smuggled);
    await waitFor(() => closed, 'the gateway closing the connection');
    expect(raw).toMatch(/^HTTP\/1\.1 200 /);
    expect(received).not.toContain('/secret');
  });

  it.each([
    ['a plain request', h(['GET /api/x HTTP/1.1', 'Host: localhost', 'Host: b'])],
    ['an upgrade', h(['GET /api/x HTTP/1.1', 'Host: localhost', 'Host: b', 'Upgrade: websocket', 'Connection: Upgrade'])],
  ])('after %s refused for two Host headers, nothing pipelined behind it is proxied', async (_name, first) => {
    const res = await rawRequest(gw.url, first + h(['GET /private-api/x HTTP/1.1', 'Host: localhost']) + h(['GET /api/y HTTP/1.1', 'Host: localhost']));
    expect(res.status).toBe(400);
    expect(res.raw).toContain('GW_ERR_BAD_REQUEST');
    expect(res.closed).toBe(true);
    // Exactly one answer: the refusal.
    expect(res.raw.match(/HTTP\/1\.1 \d{3}/g)).toHaveLength(1);
    // A request on a fresh connection is a barrier: anything the gateway let through would arrive before it.
    expect((await fetch(`${gw.url}/api/barrier`)).status).toBe(200);
    expect(upstream.requests.map((r) => r.url)).toEqual(['/api/barrier']);
  });
});
