import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RequestGate } from '../../../../../server/targets/mcp-router/backends/request-gate.js';
import { startTestGateway, waitFor, type TestGateway } from '../../../../helpers/gateway.js';
import { addMcpServer, connectMcp } from '../../../../helpers/mcp.js';
import { startRemoteMcpUpstream, type RemoteMcpUpstream } from '../../../../helpers/remote-mcp-upstream.js';

describe('RequestGate', () => {
  it('admits up to its limit, then in arrival order as places are given back, once each', async () => {
    const gate = new RequestGate(2);
    const a = gate.tryEnter()!;
    const b = gate.tryEnter()!;
    expect(gate.tryEnter()).toBeUndefined();
    const order: string[] = [];
    const c = gate.line();
    const d = gate.line();
    void c.admitted.then(() => order.push('c'));
    void d.admitted.then(() => order.push('d'));
    a();
    a(); // a second release of the same place gives nothing back
    await Promise.resolve();
    expect(order).toEqual(['c']);
    expect(gate.load).toEqual({ active: 2, waiting: 1 });
    b();
    await d.admitted;
    expect(order).toEqual(['c', 'd']);
  });

  it('takes an abandoned request out of the line without giving it a place', async () => {
    const gate = new RequestGate(1);
    const first = gate.tryEnter()!;
    const second = gate.line();
    const third = gate.line();
    second.abandon(new Error('cancelled'));
    await expect(second.admitted).rejects.toThrow('cancelled');
    first();
    const release = await third.admitted;
    expect(gate.load).toEqual({ active: 1, waiting: 0 });
    release();
    expect(gate.load).toEqual({ active: 0, waiting: 0 });
  });

  it('follows a new limit: a higher one admits waiting requests at once, a lower one admits none until under it', async () => {
    const gate = new RequestGate(1);
    const first = gate.tryEnter()!;
    const waiting = [gate.line(), gate.line(), gate.line()];
    gate.setLimit(3);
    const [second, third] = await Promise.all([waiting[0]!.admitted, waiting[1]!.admitted]);
    expect(gate.load).toEqual({ active: 3, waiting: 1 });
    gate.setLimit(1);
    first();
    second();
    // Two places given back, still at the lowered limit (one in flight): the last waits.
    expect(gate.load).toEqual({ active: 1, waiting: 1 });
    third();
    const last = await waiting[2]!.admitted;
    expect(gate.load).toEqual({ active: 1, waiting: 0 });
    last();
    expect(gate.load).toEqual({ active: 0, waiting: 0 });
  });

  it('has no limit at 0', () => {
    const gate = new RequestGate(0);
    for (let i = 0; i < 1000; i++) expect(gate.tryEnter()).toBeTypeOf('function');
  });
});

// With maxConcurrentRequests 2 a remote server never has more than two requests of agate's in flight, over all
// sessions; the next waits in the gateway until one is answered or cancelled, then goes.
describe('maxConcurrentRequests of a remote MCP server', () => {
  let gw: TestGateway;
  let up: RemoteMcpUpstream;
  const clients: Client[] = [];

  beforeAll(async () => {
    gw = await startTestGateway();
    up = await startRemoteMcpUpstream(1, 0);
    await addMcpServer(gw, { name: 'gated', backend: { kind: 'remote', url: up.url, transport: 'streamable-http', headers: {}, maxConcurrentRequests: 2 } });
    for (let i = 0; i < 3; i++) clients.push(await connectMcp(gw, 'gated'));
  });
  afterAll(async () => {
    for (const c of clients) await c.close().catch(() => {});
    await gw?.stop();
    await up?.close();
  });

  const hangsSeen = () => up.requests.filter((r) => (r.body as { params?: { name?: string } } | undefined)?.params?.name === 'hang').length;

  it('holds a third call until one of two hanging calls is cancelled', async () => {
    const [a, b, c] = clients as [Client, Client, Client];
    // Each session's upstream session opens on its first call: open them all before filling the gate.
    for (const client of clients) await client.callTool({ name: 'echo', arguments: { message: 'open' } });
    const stopA = new AbortController();
    const stopB = new AbortController();
    const hangA = a.callTool({ name: 'hang', arguments: {} }, undefined, { signal: stopA.signal }).catch((e: unknown) => e);
    const hangB = b.callTool({ name: 'hang', arguments: {} }, undefined, { signal: stopB.signal }).catch((e: unknown) => e);
    await waitFor(() => hangsSeen() === 2, 'both hanging calls to reach the server');
    let answered = false;
    const echo = c.callTool({ name: 'echo', arguments: { message: 'third' } }).then((r) => {
      answered = true;
      return r;
    });
    await new Promise((r) => setTimeout(r, 300));
    expect(answered).toBe(false);
    expect(up.requests.filter((r) => (r.body as { params?: { arguments?: { message?: string } } })?.params?.arguments?.message === 'third')).toHaveLength(0);
    stopA.abort('enough');
    expect(((await echo) as { content: Array<{ text: string }> }).content[0]!.text).toContain('third');
    stopB.abort('enough');
    await Promise.all([hangA, hangB]);
  });
});
