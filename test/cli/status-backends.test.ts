import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BackendHealthReport } from '../../registry/index.js';
import { runCli } from '../helpers/cli.js';
import { startTestGateway, waitFor, type TestGateway } from '../helpers/gateway.js';
import { startUpstream, type LoopbackUpstream } from '../helpers/loopback-upstream.js';
import { closedPortOrigin } from '../servers/shared/fake-upstream.js';

const fixture = (name: string): string => fileURLToPath(new URL(`../fixtures/stdio/${name}`, import.meta.url));

interface StatusJson {
  gateways: Array<{ pid: number; running: boolean; backendHealth: BackendHealthReport }>;
}

// What only the running gateway knows (its backends' health) reaches `agate status` through the registry, soon
// after it changes: a real gateway, real backends that fail for real, and the real CLI.
describe('agate status: backend health', () => {
  let gw: TestGateway;
  let good: LoopbackUpstream;
  let closed: string;
  const cli = (args: string[]) => runCli(args, gw.dbPath, { AGATE_KEY: '' });
  const served = (check: (s: NonNullable<ReturnType<TestGateway['snapshots']['current']>>) => boolean, what: string) =>
    waitFor(() => gw.snapshots.current()?.version === gw.registry.version() && check(gw.snapshots.current()!), what);

  /** The gateway's backend health as `agate status --json` shows it, once `check` accepts it. */
  const reportedHealth = (check: (h: BackendHealthReport) => unknown, what: string) =>
    waitFor(
      async () => {
        const r = await cli(['status', '--json']);
        expect({ code: r.code, stderr: r.stderr }).toEqual({ code: 0, stderr: '' });
        const health = (JSON.parse(r.stdout) as StatusJson).gateways.find((g) => g.pid === process.pid)!.backendHealth;
        return check(health) ? health : undefined;
      },
      what,
      5_000,
    );

  beforeAll(async () => {
    gw = await startTestGateway({ gateway: { mcp: { connectTimeoutMs: 1_000, retryInitialMs: 50, retryMaxMs: 200 } } });
    good = await startUpstream('good');
    closed = await closedPortOrigin();
  });
  afterAll(async () => {
    await gw?.stop();
    await good?.close();
  });

  it('a stdio server whose command crashes on start: down or crash-looping, with the exit as the reason', async () => {
    const add = await cli(['mcp', 'add', 'crashy', '--stdio', '--', process.execPath, fixture('crash-on-start.mjs')]);
    expect(add.code, add.stderr).toBe(0);
    await served((s) => s.mcp.servers.has('crashy'), 'crashy to be served');
    const before = await reportedHealth((h) => h.mcp.some((b) => b.server === 'crashy'), 'crashy in the report');
    expect(before.mcp.find((b) => b.server === 'crashy')).toMatchObject({ kind: 'stdio', state: 'stopped' });

    const started = Date.now();
    // A session's first use starts the process; the router withdraws the tools of a member that is down.
    // Before the heartbeat carries the failure the CLI can only see no tools; once it does, it says why (exit 1).
    const tools = await cli(['mcp', 'tools', 'crashy']);
    if (tools.code === 0) expect(tools.stdout).toContain('(none)');
    else expect(tools).toMatchObject({ code: 1, stderr: expect.stringContaining('MCP server "crashy" is ') });
    const health = await reportedHealth(
      (h) => h.mcp.some((b) => b.server === 'crashy' && (b.state === 'down' || b.state === 'crash-looping')),
      'crashy to be reported down',
    );
    const crashy = health.mcp.find((b) => b.server === 'crashy')!;
    expect(crashy).toMatchObject({ kind: 'stdio', reason: 'exited with code 3' });
    expect(Date.parse(crashy.since)).toBeGreaterThanOrEqual(started - 1_000);
    expect(Date.now() - started).toBeLessThan(5_000);

    const text = (await cli(['status'])).stdout;
    expect(text).toMatch(/^ {2}backends\s+\d+ healthy, \d+ not healthy:$/m);
    expect(text).toMatch(/^ {4}KIND\s+NAME\s+STATE\s+SINCE\s+UNTIL\s+REASON$/m);
    const line = /^ {4}mcp stdio\s+crashy\s+(down|crash-looping)\s+(\S+)\s+\S+\s+exited with code 3$/m.exec(text);
    expect(line, text).not.toBeNull();
    // The process is restarted with backoff, so another exit may move `since` on between the two reads.
    expect(Date.parse(line![2]!)).toBeGreaterThanOrEqual(Date.parse(crashy.since));
  });

  it('a remote server on a closed port: down, naming the refused connection', async () => {
    const add = await cli(['mcp', 'add', 'ghost', `${closed}/mcp`]);
    expect(add.code, add.stderr).toBe(0);
    await served((s) => s.mcp.servers.has('ghost'), 'ghost to be served');
    const tools = await cli(['mcp', 'tools', 'ghost']);
    if (tools.code === 0) expect(tools.stdout).toContain('(none)');
    else expect(tools).toMatchObject({ code: 1, stderr: expect.stringContaining('MCP server "ghost" is down') });
    const health = await reportedHealth((h) => h.mcp.some((b) => b.server === 'ghost' && b.state === 'down'), 'ghost to be reported down');
    const ghost = health.mcp.find((b) => b.server === 'ghost')!;
    expect(ghost).toMatchObject({ kind: 'remote', state: 'down' });
    expect(ghost.reason).toContain(closed);

    const text = (await cli(['status'])).stdout;
    expect(text).toMatch(/^ {4}mcp remote\s+ghost\s+down\s+/m);
  });

  it('an HTTP target that refuses connections, with outlier detection: ejected after requests, until when', async () => {
    const add = await cli(['upstream', 'add', 'pool', '--target', closed, good.url, '--eject-after', '2', '--eject-time', '60000']);
    expect(add.code, add.stderr).toBe(0);
    expect((await cli(['route', 'add', 'pooled', '--path', '/pooled', '--upstream', 'pool'])).code).toBe(0);
    await served((s) => s.http.upstreamCount >= 1 && s.http.routeCount >= 1, 'the pooled route to be served');

    const before = await reportedHealth((h) => h.http.some((t) => t.upstream === 'pool'), 'the pool in the report');
    expect(before.http.filter((t) => t.upstream === 'pool').map((t) => t.state)).toEqual(['healthy', 'healthy']);

    const sent = Date.now();
    const statuses: number[] = [];
    for (let i = 0; i < 6; i++) statuses.push((await fetch(`${gw.url}/pooled/x`)).status);
    expect(statuses).toContain(502);
    const health = await reportedHealth((h) => h.http.some((t) => t.url === closed && t.state === 'ejected'), 'the closed target to be reported ejected');
    const ejected = health.http.find((t) => t.url === closed)!;
    expect(ejected).toMatchObject({ upstream: 'pool', state: 'ejected', reason: 'outlier detection (ejection 1 in a row)' });
    const until = Date.parse(ejected.ejectedUntil!);
    expect(until).toBeGreaterThanOrEqual(sent + 60_000);
    expect(until).toBeLessThanOrEqual(Date.now() + 60_000);
    expect(health.http.find((t) => t.url === good.url)).toEqual({ upstream: 'pool', url: good.url, state: 'healthy' });

    const text = (await cli(['status'])).stdout;
    expect(text).toMatch(new RegExp(`^ {4}upstream\\s+pool ${closed}\\s+ejected\\s+-\\s+${ejected.ejectedUntil!.replace(/\./g, '\\.')}\\s+outlier detection`, 'm'));
  });

  it('a target failing active health checks: unhealthy', async () => {
    const add = await cli(['upstream', 'add', 'checked', '--target', closed, '--health-path', '/healthz', '--health-interval', '100', '--unhealthy-threshold', '1']);
    expect(add.code, add.stderr).toBe(0);
    const health = await reportedHealth((h) => h.http.some((t) => t.upstream === 'checked' && t.state === 'unhealthy'), 'the checked target to be reported unhealthy');
    expect(health.http.find((t) => t.upstream === 'checked')).toEqual({ upstream: 'checked', url: closed, state: 'unhealthy', reason: 'failing active health checks' });
  });

  it('the admin /status gives the same health, live', async () => {
    const res = await fetch(`${gw.adminUrl}/status`, { headers: { authorization: `Bearer ${gw.adminToken.token}` } });
    expect(res.status).toBe(200);
    const body = (await res.json()) as { pid: number; backendHealth: BackendHealthReport };
    expect(body.pid).toBe(process.pid);
    expect(body.backendHealth.mcp.map((b) => b.server)).toEqual(['crashy', 'ghost']);
    expect(body.backendHealth.mcp.find((b) => b.server === 'ghost')).toMatchObject({ kind: 'remote', state: 'down' });
    expect(body.backendHealth.http.find((t) => t.upstream === 'pool' && t.url === closed)).toMatchObject({ state: 'ejected' });
    expect(body.backendHealth.http.find((t) => t.upstream === 'checked')).toMatchObject({ state: 'unhealthy' });
  });

  it('counts every backend healthy when none is failing', async () => {
    for (const args of [
      ['mcp', 'remove', 'crashy'],
      ['mcp', 'remove', 'ghost'],
      ['route', 'remove', 'pooled'],
      ['upstream', 'remove', 'pool'],
      ['upstream', 'remove', 'checked'],
      ['upstream', 'add', 'fine', '--target', good.url],
    ]) {
      const r = await cli(args);
      expect(r.code, `${args.join(' ')}: ${r.stderr}`).toBe(0);
    }
    await reportedHealth((h) => h.mcp.length === 0 && h.http.length === 1 && h.http[0]!.upstream === 'fine', 'only the fine upstream');
    expect((await cli(['status'])).stdout).toMatch(/^ {2}backends\s+1 healthy$/m);
  });
});
