import { join } from 'node:path';
import { LATEST_PROTOCOL_VERSION } from '@modelcontextprotocol/sdk/types.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { everythingStdio } from '../../../../helpers/everything-server.js';
import { startTestGateway, waitFor, type TestGateway } from '../../../../helpers/gateway.js';
import { addMcpServer, connectMcp } from '../../../../helpers/mcp.js';
import { runCli } from '../../../../helpers/cli.js';
import { startModernMember, type ModernMember } from '../../../../helpers/modern-member.js';
import { startRemoteMcpUpstream, type RemoteMcpUpstream } from '../../../../helpers/remote-mcp-upstream.js';
import { startStatusMember, type StatusMember } from '../../../../helpers/status-member.js';
import { tempDir } from '../../../../helpers/temp-dir.js';

// Expected eras come from what each fixture is built to be: a v2 SDK 2.4.0 server with legacy traffic rejected is
// modern-only (2026-07-28); the v1 SDK's servers (remote and stdio) are 2025 servers negotiating the v1 SDK's own
// LATEST_PROTOCOL_VERSION; a member behind a 401 or a 503 has shown no era at all.

const remote = (url: string) => ({ kind: 'remote' as const, url, transport: 'streamable-http' as const, headers: {}, secretHeaders: {} });
const eraProbe = { probeTimeoutMs: 3_000, retryInitialMs: 100, retryMaxMs: 400 };

describe('the era of each remote and stdio member, by the 2026-07-28 probe', () => {
  const dir = tempDir();
  const dbPath = join(dir.dir, 'agate.db');
  let gw: TestGateway;
  let modern: ModernMember;
  let legacy: RemoteMcpUpstream;
  let auth: StatusMember;
  let failing: StatusMember;
  let failingTarget: RemoteMcpUpstream;

  beforeAll(async () => {
    modern = await startModernMember();
    legacy = await startRemoteMcpUpstream(1, 0, { jsonResponse: true });
    failingTarget = await startRemoteMcpUpstream(2, 0, { jsonResponse: true });
    auth = await startStatusMember(401);
    failing = await startStatusMember(503);
    gw = await startTestGateway({ dbPath, gateway: { mcp: { eraProbe } } });
    await addMcpServer(gw, { name: 'modern', backend: remote(modern.url) });
    await addMcpServer(gw, { name: 'legacy', backend: remote(legacy.url) });
    await addMcpServer(gw, { name: 'legacy-stdio', backend: everythingStdio });
    await addMcpServer(gw, { name: 'walled', backend: remote(auth.url) });
    await addMcpServer(gw, { name: 'failing', backend: remote(failing.url) });
  });

  afterAll(async () => {
    await gw?.stop();
    await Promise.all([modern?.close(), legacy?.close(), failingTarget?.close(), auth?.close(), failing?.close()]);
    dir.cleanup();
  });

  const eraOf = (name: string) => gw.registry.memberEras.get(name);

  it('learns 2026-07-28 for a modern-only member from its answer to server/discover, sent with the modern headers', async () => {
    const row = await waitFor(() => (eraOf('modern')?.era === 'modern' ? eraOf('modern') : undefined), 'the modern era recorded');
    expect(row.protocolVersion).toBe('2026-07-28');
    expect(Date.parse(row.learntAt!)).toBeGreaterThan(Date.now() - 60_000);
    const probe = modern.requests.find((r) => r.method === 'server/discover');
    expect(probe).toMatchObject({ protocolVersionHeader: '2026-07-28', mcpMethodHeader: 'server/discover' });
  });

  it.each(['legacy', 'legacy-stdio'])('falls back to initialize for the 2025 member %s and records the version it negotiated', async (name) => {
    // A stdio process starts on a session's first use (the probe never spawns one): use it once.
    if (name === 'legacy-stdio') {
      const client = await connectMcp(gw, name);
      await client.listTools();
      await client.close();
    }
    const row = await waitFor(() => (eraOf(name)?.era === 'legacy' ? eraOf(name) : undefined), `${name}'s era recorded`, 15_000);
    expect(row.protocolVersion).toBe(LATEST_PROTOCOL_VERSION);
    expect(row.lastError).toBeNull();
  });

  it("does not log the legacy member's expected refusal of server/discover as an upstream fault", async () => {
    await waitFor(() => (eraOf('legacy')?.era === 'legacy' ? true : undefined), "legacy's era recorded");
    // The v1 SDK's Streamable HTTP server answers the modern probe with an HTTP 4xx: the verdict the probe looks for.
    const faults = gw.logs.filter((l) => l.level === 40 && l.url === legacy.url);
    expect(faults).toEqual([]);
  });

  it('never takes a 401 for an era: unknown, with the reason, and no initialize fallback is tried', async () => {
    const row = await waitFor(() => (eraOf('walled')?.lastError ? eraOf('walled') : undefined), 'the 401 recorded');
    expect(row).toMatchObject({ era: 'unknown', protocolVersion: null, learntAt: null });
    expect(row.lastError).toContain('401');
    await waitFor(() => auth.methods.length >= 2, 'a second probe after the backoff');
    expect(new Set(auth.methods)).toEqual(new Set(['server/discover']));
  });

  it('never takes a 503 for an era, probes again with backoff, and learns the era once the member answers', async () => {
    const row = await waitFor(() => (eraOf('failing')?.lastError ? eraOf('failing') : undefined), 'the 503 recorded');
    expect(row).toMatchObject({ era: 'unknown', learntAt: null });
    expect(row.lastError).toContain('503');
    expect(failing.methods).not.toContain('initialize');
    failing.passTo(failingTarget.url);
    const learnt = await waitFor(() => (eraOf('failing')?.era === 'legacy' ? eraOf('failing') : undefined), 'the era learnt after the 503s');
    expect(learnt).toMatchObject({ protocolVersion: LATEST_PROTOCOL_VERSION, lastError: null });
  });

  it('shows each member\'s era in `agate mcp show` (text and --json), `agate status` and the admin API', async () => {
    await waitFor(() => eraOf('modern')?.era === 'modern' && eraOf('walled')?.lastError && eraOf('legacy')?.era === 'legacy', 'eras settled');
    const learntAt = eraOf('modern')!.learntAt!;
    const json = await runCli(['mcp', 'show', 'modern', '--json'], gw.dbPath);
    expect(json.code).toBe(0);
    expect(JSON.parse(json.stdout).era).toEqual({ era: 'modern', protocolVersion: '2026-07-28', learntAt, lastError: null, lastErrorAt: null });
    const text = await runCli(['mcp', 'show', 'walled'], gw.dbPath);
    expect(text.stdout).toMatch(/^era: "?unknown \(probe failed: HTTP 401 \(authorization\) at \d{4}-\d\d-\d\dT/m);
    const status = await runCli(['status'], gw.dbPath);
    expect(status.stdout).toContain('mcp eras');
    expect(status.stdout).toMatch(new RegExp(`^  modern +remote +2026-07-28 \\(modern, learnt at ${learntAt.replace(/[.]/g, '\\.')}\\)$`, 'm'));
    expect(status.stdout).toMatch(new RegExp(`^  legacy-stdio +stdio +${LATEST_PROTOCOL_VERSION} \\(legacy, learnt at `, 'm'));
    const statusJson = JSON.parse((await runCli(['status', '--json'], gw.dbPath)).stdout) as { mcpEras: Array<{ server: string; era: string }> };
    expect(statusJson.mcpEras.find((e) => e.server === 'walled')?.era).toBe('unknown');
    const admin = await fetch(`${gw.adminUrl}/mcp-servers/legacy`, { headers: { authorization: `Bearer ${gw.adminToken.token}` } });
    const answer = (await admin.json()) as { era: { era: string; protocolVersion: string } };
    expect(answer.era).toMatchObject({ era: 'legacy', protocolVersion: LATEST_PROTOCOL_VERSION });
    // The record goes back as read (the console's edit form does so): the read-only era is not refused.
    const put = await fetch(`${gw.adminUrl}/mcp-servers/legacy`, {
      method: 'PUT',
      headers: { authorization: `Bearer ${gw.adminToken.token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ ...answer, description: 'edited' }),
    });
    expect(put.status).toBe(200);
  });

  it('reuses what it learnt after a restart instead of probing again at once', async () => {
    await waitFor(() => eraOf('modern')?.era === 'modern' && eraOf('legacy')?.era === 'legacy', 'both eras learnt');
    await gw.close();
    const probesBefore = modern.requests.filter((r) => r.method === 'server/discover').length;
    const wallBefore = auth.methods.length;
    gw = await startTestGateway({ dbPath, gateway: { mcp: { eraProbe: { ...eraProbe, retryInitialMs: 60_000 } } } });
    // The walled member's era is unknown, so the new gateway probes it at once; by then it would have probed the
    // modern member too (both are reconciled in the same turn).
    await waitFor(() => auth.methods.length > wallBefore, 'the unknown member probed by the new gateway');
    expect(modern.requests.filter((r) => r.method === 'server/discover').length).toBe(probesBefore);
    expect(eraOf('modern')).toMatchObject({ era: 'modern', protocolVersion: '2026-07-28' });
  });
});
