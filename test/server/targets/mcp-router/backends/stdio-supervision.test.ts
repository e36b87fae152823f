import { fileURLToPath } from 'node:url';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { ErrorCode, McpError } from '@modelcontextprotocol/sdk/types.js';
import { afterEach, describe, expect, it } from 'vitest';
import {
  createStdioBackendFactory,
  type BackendStateChange,
  type StdioBackend,
  type StdioBackendSpec,
  type StdioTuning,
} from '../../../../../server/targets/mcp-router/backends/index.js';
import { captureLog, type CapturedLog } from '../../../../helpers/capture-log.js';
import { waitFor } from '../../../../helpers/gateway.js';
import { groupMembers, leftovers, zombieChildren } from '../../../../helpers/process-table.js';

const fixture = (name: string): string => fileURLToPath(new URL(`../../../../fixtures/stdio/${name}`, import.meta.url));

const backends: StdioBackend[] = [];
const clients: Client[] = [];
const groups = new Set<number>();

function fixtureBackend(script: string, captured: CapturedLog, tuning: Partial<StdioTuning>, env: Record<string, string> = {}) {
  const factory = createStdioBackendFactory({ log: captured.log, defaults: tuning });
  const spec: StdioBackendSpec = { kind: 'stdio', command: process.execPath, args: [fixture(script)], env };
  const backend = factory({ kind: 'stdio', spec }, script) as StdioBackend;
  const changes: Array<BackendStateChange & { at: number }> = [];
  backend.health.subscribe((c) => changes.push({ ...c, at: Date.now() }));
  backends.push(backend);
  return { backend, changes };
}

/** Connects a client; remembers the process group so the after-hook can check it is gone. */
async function connectClient(backend: StdioBackend): Promise<Client> {
  const client = new Client({ name: 'test', version: '1.0.0' });
  clients.push(client);
  const transport = await backend.connect();
  for (const pid of backend.pids) groups.add(pid);
  await client.connect(transport);
  return client;
}

const text = (r: unknown): string => (r as { content: Array<{ text: string }> }).content[0]!.text;

afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.close()));
  await Promise.all(backends.splice(0).map((b) => b.close()));
  await waitFor(() => leftovers(groups).length === 0, 'no process left behind', 8000);
  expect(zombieChildren()).toEqual([]);
  groups.clear();
});

describe('stdio supervision', () => {
  it('damps a crash loop: stops restarting after maxCrashes and refuses at once with the reason', async () => {
    const captured = captureLog();
    const tuning = { maxCrashes: 3, crashWindowMs: 10_000, restartInitialMs: 20, restartMaxMs: 100, crashCooldownMs: 60_000 };
    const { backend, changes } = fixtureBackend('crash-on-start.mjs', captured, tuning);
    for (let attempt = 0; attempt < 3; attempt++) {
      await expect(connectClient(backend)).rejects.toThrow();
      await waitFor(() => backend.pids.length === 0, 'the crashed process to be reaped');
    }
    expect(backend.health.state).toBe('crash-looping');
    expect(backend.health.reason).toBe('exited with code 3');

    const started = Date.now();
    await expect(backend.connect()).rejects.toThrow(/crash-looping \(3 crashes within 10000 ms, last: exited with code 3\)/);
    expect(Date.now() - started).toBeLessThan(50);
    expect(changes.map((c) => c.state)).toEqual(['starting', 'down', 'starting', 'down', 'starting', 'crash-looping']);
    expect(captured.lines.filter((l) => l.msg === 'mcp stdio server started')).toHaveLength(3);
    expect(captured.lines.some((l) => l.msg === 'mcp stdio server is crash-looping: held stopped')).toBe(true);
    expect(captured.lines.some((l) => l.line === 'crash-on-start: giving up immediately' && l.server === 'crash-on-start.mjs')).toBe(true);
  });

  it('restarts a server that crashes after N calls, with a doubling backoff, and skips a non-JSON stdout line', async () => {
    const captured = captureLog();
    const tuning = { restartInitialMs: 300, restartMaxMs: 5_000, maxCrashes: 5, stableAfterMs: 60_000 };
    const { backend, changes } = fixtureBackend('crash-after-calls.mjs', captured, tuning, { CRASH_AFTER: '2' });
    const pids: number[] = [];
    for (let round = 0; round < 3; round++) {
      const client = await connectClient(backend);
      pids.push(backend.pids[0]!);
      expect(text(await client.callTool({ name: 'count' }))).toBe(`call 1 on pid ${backend.pids[0]}`);
      expect(text(await client.callTool({ name: 'count' }))).toBe(`call 2 on pid ${backend.pids[0]}`);
      await expect(client.callTool({ name: 'count' })).rejects.toThrow(/Connection closed/);
      await waitFor(() => backend.health.state === 'down', 'the crash to be reported');
    }
    expect(new Set(pids).size).toBe(3);
    // Backoff: each restart waits 300 ms, then 600 ms after the crash before it (measured crash → next spawn).
    const crashes = changes.filter((c) => c.state === 'down').map((c) => c.at);
    const starts = captured.lines.filter((l) => l.msg === 'mcp stdio server started').map((l) => l.time as number);
    expect(starts).toHaveLength(3);
    expect(starts[1]! - crashes[0]!).toBeGreaterThanOrEqual(295);
    expect(starts[2]! - crashes[1]!).toBeGreaterThanOrEqual(595);
    expect(changes.filter((c) => c.state === 'down').map((c) => c.reason)).toEqual(Array(3).fill('exited with code 7'));
    const banner = captured.lines.filter((l) => l.msg === 'mcp stdio server wrote a non-JSON-RPC line on stdout');
    expect(banner.map((l) => l.line)).toEqual(Array(3).fill('crash-after-calls: this banner is not JSON-RPC'));
  });

  it('fails a request the server never answers after the request timeout, and cancels it upstream', async () => {
    const captured = captureLog();
    const { backend } = fixtureBackend('hang.mjs', captured, { requestTimeoutMs: 300 });
    const client = await connectClient(backend);
    const started = Date.now();
    const error = await client.callTool({ name: 'hang' }).then(
      () => undefined,
      (err: unknown) => err,
    );
    expect(error).toBeInstanceOf(McpError);
    expect((error as McpError).code).toBe(ErrorCode.RequestTimeout);
    expect((error as McpError).message).toMatch(/MCP server hang\.mjs did not answer within 300 ms/);
    expect(Date.now() - started).toBeLessThan(2_000);
    await waitFor(() => captured.lines.some((l) => l.line === 'hang: request cancelled'), 'the server to see the cancellation');
    expect(text(await client.callTool({ name: 'ok' }))).toBe('ok');
    expect(backend.health.state).toBe('ready');
  });

  it('keeps the log bounded while a server floods stderr, and keeps serving', async () => {
    const captured = captureLog();
    const rate = { linesPerSecond: 50, burst: 20 };
    const { backend } = fixtureBackend('flood-stderr.mjs', captured, { stderrRate: rate, maxStderrLineBytes: 256 });
    const started = Date.now();
    const client = await connectClient(backend);
    const suppressed = () =>
      captured.lines.filter((l) => typeof l.suppressed === 'number').reduce((n, l) => n + (l.suppressed as number), 0);
    await waitFor(() => suppressed() > 50_000, 'the flood to be suppressed', 10_000);
    expect(text(await client.callTool({ name: 'ping' }))).toBe('pong');

    const elapsedS = (Date.now() - started) / 1000;
    const logged = captured.lines.filter((l) => l.msg === 'mcp stdio server stderr');
    expect(logged.length).toBeLessThanOrEqual(rate.burst + Math.ceil(rate.linesPerSecond * elapsedS) + 1);
    const long = logged[0]!;
    expect(long).toMatchObject({ server: 'flood-stderr.mjs', truncatedBytes: 1024 * 1024 - 256 });
    expect((long.line as string).length).toBe(256);
    expect(captured.bytes()).toBeLessThan(200_000);
  });

  it('stops a server whose process and grandchild ignore SIGTERM: the group is killed after the grace period', async () => {
    const { backend } = fixtureBackend('spawns-stubborn-child.mjs', captureLog(), { stopGraceMs: 300 });
    const client = await connectClient(backend);
    const leader = backend.pids[0]!;
    const grandchild = Number(text(await client.callTool({ name: 'grandchild' })));
    expect(groupMembers([leader]).map((r) => r.pid).sort()).toEqual([leader, grandchild].sort());

    await backend.close();
    expect(backend.health.state).toBe('stopped');
    await waitFor(() => groupMembers([leader]).length === 0, 'leader and grandchild to be killed');
  });

  it('leaves nothing behind when removed in the middle of crashes and restarts', async () => {
    const tuning = { isolation: 'per-session' as const, maxProcesses: 4, restartInitialMs: 100, maxCrashes: 50 };
    const { backend } = fixtureBackend('crash-after-calls.mjs', captureLog(), tuning, { CRASH_AFTER: '1' });
    const sessions = await Promise.all([0, 1, 2].map(() => connectClient(backend)));
    await Promise.all(sessions.map((c) => c.callTool({ name: 'count' })));
    // Crash two of them; the third stays up.
    await Promise.all(sessions.slice(0, 2).map((c) => expect(c.callTool({ name: 'count' })).rejects.toThrow()));
    const restarting = backend.connect(); // waits out the backoff
    await backend.close();
    await expect(restarting).rejects.toThrow(/backend is closed/);
    await expect(backend.connect()).rejects.toThrow(/backend is closed/);
  });
});
