import { setTimeout as sleep } from 'node:timers/promises';
import { WebSocket } from 'undici';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startTestGateway, waitFor, type TestGateway } from '../../helpers/gateway.js';
import { configure } from '../../helpers/proxy.js';
import { startWebSocketUpstream, type WebSocketUpstream } from '../../helpers/websocket-upstream.js';

/** A WebSocket client through the gateway, with what it received and when it closed. */
interface Client {
  readonly ws: WebSocket;
  readonly messages: string[];
  /** Milliseconds since the epoch of the last frame received, or of the open. */
  lastActivity: number;
  /** The close code once closed (1006: the TCP connection ended without a close frame). */
  closedWith: number | undefined;
  closedAt: number | undefined;
}

// WebSocket tunnels through the HTTP proxy close after the route's idle timeout (timeouts.idleMs) without a byte in
// either direction, on both sides; traffic either way keeps them open.
describe('WebSocket tunnel idle timeout', () => {
  let gw: TestGateway;
  let upstream: WebSocketUpstream;
  const clients: Client[] = [];

  const open = async (path: string): Promise<Client> => {
    const ws = new WebSocket(`${gw.url.replace('http:', 'ws:')}${path}`);
    const client: Client = { ws, messages: [], lastActivity: 0, closedWith: undefined, closedAt: undefined };
    clients.push(client);
    ws.addEventListener('message', (e) => {
      client.messages.push(String(e.data));
      client.lastActivity = Date.now();
    });
    ws.addEventListener('close', (e) => {
      client.closedWith = e.code;
      client.closedAt = Date.now();
    });
    await new Promise<void>((resolve, reject) => {
      ws.addEventListener('open', () => resolve(), { once: true });
      ws.addEventListener('error', () => reject(new Error(`WebSocket to ${path} failed`)), { once: true });
    });
    client.lastActivity = Date.now();
    return client;
  };
  /** Sends `text` and waits for its echo. */
  const roundTrip = async (client: Client, text: string) => {
    client.ws.send(text);
    await waitFor(() => client.messages.includes(text), `the echo of ${text}`);
  };

  beforeAll(async () => {
    gw = await startTestGateway();
    upstream = await startWebSocketUpstream();
    await configure(gw, (r) => {
      r.routes.create({ name: 'ws-idle', path: '/ws-idle', upstream: upstream.url, timeouts: { idleMs: 200 } }, 'cli');
      r.routes.create({ name: 'ws-no-idle', path: '/ws-no-idle', upstream: upstream.url }, 'cli');
    });
  });
  afterEach(() => {
    for (const c of clients.splice(0)) if (c.closedWith === undefined) c.ws.close();
  });
  afterAll(async () => {
    await gw?.stop();
    await upstream?.close();
  });

  it('closes an idle tunnel on both sides, within a second of the last frame', async () => {
    const client = await open('/ws-idle/chat');
    await roundTrip(client, 'hello');
    const conn = upstream.connections.at(-1)!;
    expect(conn.path).toBe('/ws-idle/chat');
    const last = client.lastActivity;

    await waitFor(() => client.closedWith !== undefined, 'the client side to be closed', 2_000);
    expect(client.closedWith).toBe(1006);
    expect(client.closedAt! - last).toBeGreaterThanOrEqual(190);
    expect(client.closedAt! - last).toBeLessThan(1_000);
    await Promise.race([conn.closed, sleep(1_000).then(() => Promise.reject(new Error('the upstream side is still open')))]);
    await waitFor(() => gw.logs.find((l) => l.route === 'ws-idle'), 'the access-log line');
    expect(gw.logs.find((l) => l.route === 'ws-idle')).toMatchObject({ status: 101, flag: 'UT', path: '/ws-idle/chat' });
  });

  it('keeps a tunnel exchanging a frame every 100 ms open past a second', async () => {
    const client = await open('/ws-idle/busy');
    const started = Date.now();
    for (let i = 0; Date.now() - started < 1_300; i++) {
      await roundTrip(client, `tick ${i}`);
      await sleep(100);
    }
    expect(client.closedWith).toBeUndefined();
    expect(client.ws.readyState).toBe(WebSocket.OPEN);
  });

  it.each([
    ['the client sends and the upstream stays silent', (client: Client, i: number) => client.ws.send(`no-echo: ${i}`)],
    ['the upstream sends and the client stays silent', (_client: Client, i: number) => upstream.connections.at(-1)!.send(`push ${i}`)],
  ])('counts traffic in one direction only as activity: %s', async (_what, speak) => {
    const client = await open('/ws-idle/one-way');
    for (let i = 0; i < 12; i++) {
      speak(client, i);
      await sleep(100);
    }
    expect(client.closedWith).toBeUndefined();
    await waitFor(() => client.closedWith !== undefined, 'the tunnel to close once both sides are silent', 2_000);
  });

  it('leaves a tunnel without an idle timeout open', async () => {
    const client = await open('/ws-no-idle/quiet');
    await roundTrip(client, 'hello');
    await sleep(1_000);
    expect(client.closedWith).toBeUndefined();
    await roundTrip(client, 'still here');
  });
});
