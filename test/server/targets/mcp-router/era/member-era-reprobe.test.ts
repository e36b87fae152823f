import { createServer, type Server, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import { LATEST_PROTOCOL_VERSION } from '@modelcontextprotocol/sdk/types.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestGateway, waitFor, type TestGateway } from '../../../../helpers/gateway.js';
import { startLoopProbe } from '../../../../helpers/loop-probe.js';
import { addMcpServer, connectMcp } from '../../../../helpers/mcp.js';
import { META } from '../../../../helpers/mcp-modern.js';
import { startModernMember, type ModernMember } from '../../../../helpers/modern-member.js';
import { startRemoteMcpUpstream, type RemoteMcpUpstream } from '../../../../helpers/remote-mcp-upstream.js';
import { startStatusMember, type StatusMember } from '../../../../helpers/status-member.js';

const remote = (url: string) => ({ kind: 'remote' as const, url, transport: 'streamable-http' as const, headers: {}, secretHeaders: {} });

describe('a member that contradicts its era, and one that never answers', () => {
  let gw: TestGateway;
  let modern: ModernMember;
  let legacy: RemoteMcpUpstream;
  let front: StatusMember;
  let silent: Server;
  const sockets = new Set<Socket>();
  /** Everything the silent member was sent. */
  let heard = '';

  beforeAll(async () => {
    modern = await startModernMember();
    legacy = await startRemoteMcpUpstream(1, 0, { jsonResponse: true });
    front = await startStatusMember(503);
    front.passTo(legacy.url);
    silent = createServer((socket) => {
      sockets.add(socket);
      socket.on('data', (chunk: Buffer) => (heard += chunk.toString('utf8')));
    });
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    gw = await startTestGateway({ gateway: { mcp: { eraProbe: { probeTimeoutMs: 1_500, retryInitialMs: 60_000 }, connectTimeoutMs: 2_000 } } });
  });

  afterAll(async () => {
    await gw?.stop();
    for (const s of sockets) s.destroy();
    silent?.close();
    await Promise.all([modern?.close(), legacy?.close(), front?.close()]);
  });

  const eraOf = (name: string) => gw.registry.memberEras.get(name);

  it('probes again when a member taken for legacy refuses the 2025 handshake as a modern-only server', async () => {
    await addMcpServer(gw, { name: 'upgraded', backend: remote(front.url) });
    await waitFor(() => eraOf('upgraded')?.era === 'legacy', 'the legacy era learnt');
    expect(eraOf('upgraded')?.protocolVersion).toBe(LATEST_PROTOCOL_VERSION);
    // The server behind the same URL is replaced by a modern-only one (the v2 SDK, legacy traffic rejected).
    front.passTo(modern.url);
    const client = await connectMcp(gw, 'upgraded');
    try {
      await client.listTools().catch(() => undefined);
      const row = await waitFor(() => (eraOf('upgraded')?.era === 'modern' ? eraOf('upgraded') : undefined), 'the era probed again');
      expect(row.protocolVersion).toBe('2026-07-28');
      // Probed once (the session's own link then discovers the member too, as it opens it statelessly).
      expect(modern.requests.filter((r) => r.method === 'server/discover' && r.params?._meta?.[META.clientInfo]?.name === 'agate-era-probe')).toHaveLength(1);
      // The session goes on with the upgraded member: its tools; the refused initialize stays the only one.
      expect((await client.listTools()).tools.map((t) => t.name)).toContain('echo');
      expect(modern.requests.filter((r) => r.method === 'initialize')).toHaveLength(1);
    } finally {
      await client.close();
    }
  });

  it('a member that never answers leaves the era unknown (timed out) without stalling the event loop or the admin API', async () => {
    const { port } = silent.address() as AddressInfo;
    const started = Date.now();
    await addMcpServer(gw, { name: 'silent', backend: remote(`http://127.0.0.1:${port}/mcp`) });
    // From here on only the probe runs (the config write and its snapshot build are not what is measured).
    const loop = startLoopProbe();
    let worstHealthz = 0;
    while (!eraOf('silent')?.lastError) {
      const t = performance.now();
      const res = await fetch(`${gw.adminUrl}/healthz`);
      expect(res.status).toBe(200);
      await res.body?.cancel();
      worstHealthz = Math.max(worstHealthz, performance.now() - t);
      if (Date.now() - started > 10_000) throw new Error('no probe outcome within 10 s');
    }
    // A probe that waited on the loop would stall it for its whole 1.5 s deadline; the bounds leave room for a
    // machine shared by many test runs, not for that.
    expect(loop.stop()).toBeLessThan(400);
    expect(worstHealthz).toBeLessThan(750);
    expect(eraOf('silent')).toMatchObject({ era: 'unknown', learntAt: null });
    expect(eraOf('silent')?.lastError).toMatch(/^timed out/);
    // Silence over HTTP is an outage, not a legacy signal: no initialize fallback was tried.
    expect(heard).toContain('"server/discover"');
    expect(heard).not.toContain('"initialize"');
  });
});
