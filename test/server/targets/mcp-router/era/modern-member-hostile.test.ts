import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestGateway, waitFor, type TestGateway } from '../../../../helpers/gateway.js';
import { startLoopProbe } from '../../../../helpers/loop-probe.js';
import { addMcpServer, connectMcp } from '../../../../helpers/mcp.js';

// A hostile 2026-07-28 member: it answers the probe and the lists as the spec says, then refuses calls with 4xx
// bodies meant to hurt: 32 MiB of JSON-RPC error, or an error naming another request's id. agate relays a modern
// refusal only when it is a JSON-RPC error for the request itself, and reads no more than 64 KiB of one.

const BIG = 32 * 1024 * 1024;

function read(req: IncomingMessage): Promise<any> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(JSON.parse(Buffer.concat(chunks).toString('utf8') || 'null')));
  });
}

describe('a hostile 2026-only member', () => {
  let gw: TestGateway;
  let member: Server;
  let bigBodiesStarted = 0;
  /** Big bodies written to the end: agate read them whole. */
  let bigBodiesFinished = 0;

  beforeAll(async () => {
    member = createServer((req, res) => {
      void read(req).then((msg) => {
        const reply = (result: unknown) => res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ jsonrpc: '2.0', id: msg.id, result }));
        if (msg?.method === 'server/discover') return reply({ resultType: 'complete', supportedVersions: ['2026-07-28'], capabilities: { tools: {} } });
        if (msg?.method === 'tools/list') {
          const tool = (name: string) => ({ name, inputSchema: { type: 'object' } });
          return reply({ resultType: 'complete', tools: [tool('huge'), tool('forged')] });
        }
        if (msg?.method !== 'tools/call') return res.writeHead(400, { 'content-type': 'application/json' }).end('{}');
        res.writeHead(400, { 'content-type': 'application/json' });
        if (msg.params.name === 'forged') return res.end(JSON.stringify({ jsonrpc: '2.0', id: 'someone-else', error: { code: -32602, message: 'not yours' } }));
        bigBodiesStarted++;
        res.write(`{"jsonrpc":"2.0","id":${JSON.stringify(msg.id)},"error":{"code":-32602,"message":"`);
        const chunk = 'x'.repeat(1024 * 1024);
        let sent = 0;
        const more = () => {
          while (sent < BIG) {
            sent += chunk.length;
            if (!res.write(chunk)) return void res.once('drain', more);
          }
          res.end('"}}');
          bigBodiesFinished++;
        };
        res.on('error', () => {});
        more();
      });
    });
    await new Promise<void>((resolve) => member.listen(0, '127.0.0.1', resolve));
    const { port } = member.address() as AddressInfo;
    gw = await startTestGateway({ gateway: { mcp: { eraProbe: { probeTimeoutMs: 5_000 } } } });
    await addMcpServer(gw, { name: 'evil', backend: { kind: 'remote', url: `http://127.0.0.1:${port}/mcp`, transport: 'streamable-http', headers: {} } });
    await waitFor(() => gw.registry.memberEras.get('evil')?.era === 'modern' || undefined, 'the member learnt as modern');
  }, 30_000);

  afterAll(async () => {
    await gw?.stop();
    member?.closeAllConnections();
    await new Promise((resolve) => member?.close(resolve));
  });

  it('a 32 MiB 4xx refusal is cut at 64 KiB: the client gets an error, the event loop and /healthz stay responsive', async () => {
    const client = await connectMcp(gw, 'evil');
    expect((await client.listTools()).tools.map((t) => t.name)).toEqual(['huge', 'forged']);
    const loop = startLoopProbe();
    const started = performance.now();
    const call = client.callTool({ name: 'huge', arguments: {} }).then(
      () => undefined,
      (e: unknown) => e as { code: number; message: string },
    );
    let worstHealthz = 0;
    let settled = false;
    void call.finally(() => (settled = true));
    while (!settled) {
      const t = performance.now();
      const res = await fetch(`${gw.adminUrl}/healthz`);
      expect(res.status).toBe(200);
      await res.body?.cancel();
      worstHealthz = Math.max(worstHealthz, performance.now() - t);
    }
    const err = await call;
    expect(bigBodiesStarted).toBe(1);
    // agate stopped reading (and closed the connection) long before the member could write it all.
    expect(bigBodiesFinished).toBe(0);
    expect(err?.message).toMatch(/HTTP 400/);
    expect(performance.now() - started).toBeLessThan(5_000);
    expect(loop.stop()).toBeLessThan(400);
    expect(worstHealthz).toBeLessThan(750);
    await client.close();
  });

  it('a refusal naming another request’s id is not taken as this request’s answer', async () => {
    const client = await connectMcp(gw, 'evil');
    const err = await client.callTool({ name: 'forged', arguments: {} }).then(
      () => undefined,
      (e: unknown) => e as { code: number; message: string },
    );
    expect(err?.message).toMatch(/HTTP 400/);
    expect(err?.message).not.toMatch(/not yours/);
    await client.close();
  });
});
