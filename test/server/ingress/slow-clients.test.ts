import { connect, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestGateway, waitFor, type TestGateway } from '../../helpers/gateway.js';
import { startUpstream, type LoopbackUpstream } from '../../helpers/loopback-upstream.js';
import { fixtureServer } from '../../helpers/mcp-fixture-server.js';
import { addMcpServer } from '../../helpers/mcp.js';
import { configure } from '../../helpers/proxy.js';
import { startLoopProbe } from '../../helpers/loop-probe.js';

/** A raw connection that records what it received and when the gateway closed it. */
interface Raw {
  socket: Socket;
  text(): string;
  closedAt(): number | undefined;
}

function open(url: string, localAddress = '127.0.0.1'): Promise<Raw> {
  const { port } = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = connect({ port: Number(port), host: '127.0.0.1', localAddress });
    let text = '';
    let closedAt: number | undefined;
    socket.on('data', (c) => (text += c.toString('latin1')));
    socket.on('close', () => (closedAt = Date.now()));
    socket.on('error', () => undefined);
    socket.once('connect', () => resolve({ socket, text: () => text, closedAt: () => closedAt }));
    socket.once('error', reject);
  });
}

/** Writes `chunks` one every `everyMs` while the socket is open (a client trickling bytes). */
function trickle(raw: Raw, chunks: string[], everyMs: number): () => void {
  let i = 0;
  const timer = setInterval(() => {
    if (i >= chunks.length || raw.socket.destroyed) return clearInterval(timer);
    raw.socket.write(chunks[i++]!);
  }, everyMs);
  return () => clearInterval(timer);
}

// Slow clients must not hold the listener: the head has a deadline, a body must keep arriving, and one address may
// hold only so many connections. Limits are short here so nothing waits for the production defaults.
describe('slow clients', () => {
  let gw: TestGateway;
  let upstream: LoopbackUpstream;

  beforeAll(async () => {
    gw = await startTestGateway({
      gateway: {
        clientLimits: { headersTimeoutMs: 400, bodyIdleTimeoutMs: 300, maxConnectionsPerClient: 5 },
        hostedServers: new Map([['fixture', fixtureServer('fixture', { down: false, created: 0, cancelled: 0 })]]),
      },
    });
    upstream = await startUpstream('u');
    await configure(gw, (r) => r.routes.create({ name: 'api', path: '/api', upstream: upstream.url }, 'cli'));
    await addMcpServer(gw, { name: 'fx', backend: { kind: 'hosted', server: 'fixture', settings: {}, secretSettings: {} } });
  });
  afterAll(async () => {
    await gw?.stop();
    await upstream?.close();
  });

  it('a head trickled a header line at a time is cut at the head deadline with 408', async () => {
    const raw = await open(gw.url);
    const start = Date.now();
    raw.socket.write('GET /api/x HTTP/1.1\r\nHost: localhost\r\n');
    const stop = trickle(raw, Array.from({ length: 100 }, (_, i) => `X-Slow-${i}: a\r\n`), 50);
    try {
      await waitFor(() => raw.closedAt(), 'the gateway closing the connection', 3_000);
    } finally {
      stop();
    }
    expect(raw.text()).toMatch(/^HTTP\/1\.1 408 /);
    expect(raw.closedAt()! - start).toBeLessThan(2_000);
  });

  it.each([
    ['a proxied route', 'POST /api/upload HTTP/1.1', []],
    ['an MCP endpoint', 'POST /mcp/fx HTTP/1.1', ['Content-Type: application/json', 'Accept: application/json, text/event-stream']],
  ])('a body that stops arriving on %s → 408 GW_ERR_BODY_TIMEOUT and close', async (_name, line, extra) => {
    const raw = await open(gw.url);
    raw.socket.write([line, 'Host: localhost', 'Content-Length: 100', ...extra, '', '{"jsonrpc":'].join('\r\n'));
    const start = Date.now();
    await waitFor(() => raw.closedAt(), 'the gateway closing the connection', 3_000);
    expect(raw.text()).toMatch(/^HTTP\/1\.1 408 /);
    expect(raw.text()).toContain('GW_ERR_BODY_TIMEOUT');
    expect(raw.closedAt()! - start).toBeLessThan(1_500);
  });

  it('a slow but steady body (a byte every 100 ms, past three idle timeouts) is served', async () => {
    const raw = await open(gw.url);
    const body = 'x'.repeat(12);
    raw.socket.write(['POST /api/steady HTTP/1.1', 'Host: localhost', `Content-Length: ${body.length}`, 'Connection: close', '', ''].join('\r\n'));
    trickle(raw, body.split(''), 100);
    await waitFor(() => raw.closedAt(), 'the answer', 5_000);
    expect(raw.text()).toMatch(/^HTTP\/1\.1 200 /);
    expect(upstream.requests.find((r) => r.url === '/api/steady')?.body).toBe(body);
  });

  it('closes connections beyond the per-client cap at once, counts them, and leaves another client alone', async () => {
    const held = await Promise.all(Array.from({ length: 5 }, () => open(gw.url)));
    const extra = await Promise.all(Array.from({ length: 3 }, () => open(gw.url)));
    await waitFor(() => extra.every((r) => r.closedAt() !== undefined), 'the extra connections to be closed', 2_000);
    expect(extra.map((r) => r.text())).toEqual(['', '', '']);
    expect(held.every((r) => r.closedAt() === undefined)).toBe(true);

    // Another client address (127.0.0.2 is loopback too on Linux) is served while the first is at its cap.
    const other = await fetchFrom('127.0.0.2', `${gw.url}/api/other`);
    expect(other).toMatch(/^HTTP\/1\.1 200 /);

    const metrics = await (await fetch(`${gw.adminUrl}/metrics`, { headers: { authorization: `Bearer ${gw.adminToken.token}` } })).text();
    expect(metrics).toMatch(/agate_connections_refused_total\{reason="per_client_limit"\} 3/);

    // A freed slot is usable again.
    held[0]!.socket.destroy();
    await waitFor(async () => (await fetchFrom('127.0.0.1', `${gw.url}/api/again`).catch(() => '')).startsWith('HTTP/1.1 200'), 'a slot to free up', 2_000);
    for (const r of held) r.socket.destroy();
  });

  it('a flood of 400 connections from one address is refused without stalling the event loop', async () => {
    const held = await Promise.all(Array.from({ length: 5 }, () => open(gw.url)));
    const loop = startLoopProbe(10);
    const flood = Array.from({ length: 400 }, () => open(gw.url).catch(() => undefined));
    // Another client is served while the flood is being refused.
    const other = await fetchFrom('127.0.0.2', `${gw.url}/api/during-flood`);
    const opened = await Promise.all(flood);
    await waitFor(() => opened.every((r) => !r || r.closedAt() !== undefined), 'every flood connection to be closed', 5_000);
    const worstStall = loop.stop();
    expect(other).toMatch(/^HTTP\/1\.1 200 /);
    // The gateway runs in this process: its loop is this loop. 400 refusals must not hold it for long.
    expect(worstStall).toBeLessThan(250);
    for (const r of held) r.socket.destroy();
  });
});

/** One GET over a raw socket bound to `localAddress`; resolves with everything received. */
async function fetchFrom(localAddress: string, url: string): Promise<string> {
  const raw = await open(url, localAddress);
  const { pathname } = new URL(url);
  raw.socket.write(`GET ${pathname} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n`);
  await waitFor(() => raw.closedAt(), `the answer from ${localAddress}`, 2_000);
  return raw.text();
}
