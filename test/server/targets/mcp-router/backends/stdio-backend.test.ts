import { createRequire } from 'node:module';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import type { Progress } from '@modelcontextprotocol/sdk/types.js';
import { afterEach, describe, expect, it } from 'vitest';
import { createStdioBackendFactory, type StdioBackend, type StdioBackendSpec, type StdioTuning } from '../../../../../server/targets/mcp-router/backends/index.js';
import { captureLog, type CapturedLog } from '../../../../helpers/capture-log.js';
import { waitFor } from '../../../../helpers/gateway.js';
import { groupMembers, leftovers, zombieChildren } from '../../../../helpers/process-table.js';

const everything = createRequire(import.meta.url).resolve('@modelcontextprotocol/server-everything/dist/index.js');

const open: Array<{ backend: StdioBackend; clients: Client[] }> = [];
const pidsSeen = new Set<number>();

function everythingBackend(captured: CapturedLog, tuning: Partial<StdioTuning> = {}): StdioBackend {
  const factory = createStdioBackendFactory({ log: captured.log, defaults: tuning });
  const spec: StdioBackendSpec = { kind: 'stdio', command: process.execPath, args: [everything, 'stdio'], env: {} };
  const backend = factory({ kind: 'stdio', spec }, 'everything') as StdioBackend;
  open.push({ backend, clients: [] });
  return backend;
}

async function connectClient(backend: StdioBackend): Promise<Client> {
  const client = new Client({ name: 'test', version: '1.0.0' });
  await client.connect(await backend.connect());
  for (const pid of backend.pids) pidsSeen.add(pid);
  open.find((o) => o.backend === backend)?.clients.push(client);
  return client;
}

function text(result: unknown): string {
  return ((result as { content: Array<{ text: string }> }).content[0] ?? { text: '' }).text;
}

afterEach(async () => {
  for (const { backend, clients } of open.splice(0)) {
    await Promise.all(clients.map((c) => c.close()));
    await backend.close();
  }
  await waitFor(() => leftovers(pidsSeen).length === 0, 'every stdio process to be gone');
  expect(zombieChildren()).toEqual([]);
  pidsSeen.clear();
});

describe('stdio backend with @modelcontextprotocol/server-everything', () => {
  it('lists tools, calls echo and get-sum, relays progress and logs stderr with the server name', async () => {
    const captured = captureLog();
    const backend = everythingBackend(captured);
    const client = await connectClient(backend);
    expect(backend.health.state).toBe('ready');

    const names = (await client.listTools()).tools.map((t) => t.name);
    expect(names).toEqual(expect.arrayContaining(['echo', 'get-sum', 'trigger-long-running-operation']));
    expect(text(await client.callTool({ name: 'echo', arguments: { message: 'hi there' } }))).toBe('Echo: hi there');
    expect(text(await client.callTool({ name: 'get-sum', arguments: { a: 2, b: 40 } }))).toContain('42');

    const progress: Progress[] = [];
    const done = await client.callTool(
      { name: 'trigger-long-running-operation', arguments: { duration: 0.3, steps: 3 } },
      undefined,
      { onprogress: (p) => progress.push(p) },
    );
    expect(text(done)).toContain('Steps: 3');
    expect(progress.map((p) => [p.progress, p.total])).toEqual([[1, 3], [2, 3], [3, 3]]);

    const stderr = captured.lines.find((l) => l.msg === 'mcp stdio server stderr');
    expect(stderr).toMatchObject({ server: 'everything', line: 'Starting default (STDIO) server...' });
  });

  it('shares one process between sessions and keeps their ids and progress apart', async () => {
    const backend = everythingBackend(captureLog());
    const a = await connectClient(backend);
    const b = await connectClient(backend);
    expect(backend.pids).toHaveLength(1);

    const progressA: number[] = [];
    const progressB: number[] = [];
    const [slowA, slowB, ...echoes] = await Promise.all([
      a.callTool({ name: 'trigger-long-running-operation', arguments: { duration: 0.2, steps: 2 } }, undefined, {
        onprogress: (p) => progressA.push(p.progress),
      }),
      b.callTool({ name: 'trigger-long-running-operation', arguments: { duration: 0.3, steps: 3 } }, undefined, {
        onprogress: (p) => progressB.push(p.progress),
      }),
      ...Array.from({ length: 10 }, (_, i) => (i % 2 ? a : b).callTool({ name: 'echo', arguments: { message: `m${i}` } })),
    ]);
    expect(text(slowA)).toContain('Steps: 2');
    expect(text(slowB)).toContain('Steps: 3');
    expect(progressA).toEqual([1, 2]);
    expect(progressB).toEqual([1, 2, 3]);
    expect(echoes.map(text)).toEqual(Array.from({ length: 10 }, (_, i) => `Echo: m${i}`));

    // One session leaving does not disturb the other.
    await a.close();
    expect(text(await b.callTool({ name: 'echo', arguments: { message: 'still here' } }))).toBe('Echo: still here');
    expect(backend.pids).toHaveLength(1);
  });

  it('runs one process per session in per-session mode, up to the cap', async () => {
    const backend = everythingBackend(captureLog(), { isolation: 'per-session', maxProcesses: 2 });
    const a = await connectClient(backend);
    await connectClient(backend);
    const pidA = backend.pids[0]!;
    expect(new Set(backend.pids).size).toBe(2);
    await expect(backend.connect()).rejects.toThrow(/all 2 per-session processes are in use/);

    await a.close();
    await waitFor(() => !backend.pids.includes(pidA) && groupMembers([pidA]).length === 0, 'the closed session to stop its process');
    const c = await connectClient(backend);
    expect(text(await c.callTool({ name: 'echo', arguments: { message: 'third' } }))).toBe('Echo: third');
  });

  it('stops an idle shared process and starts it again on demand', async () => {
    const backend = everythingBackend(captureLog(), { idleShutdownMs: 150 });
    const first = await connectClient(backend);
    const pid = backend.pids[0]!;
    await first.close();
    await waitFor(() => backend.health.state === 'stopped' && backend.pids.length === 0, 'idle shutdown');
    expect(groupMembers([pid])).toEqual([]);

    const again = await connectClient(backend);
    expect(backend.pids).toHaveLength(1);
    expect(backend.pids[0]).not.toBe(pid);
    expect(text(await again.callTool({ name: 'echo', arguments: { message: 'back' } }))).toBe('Echo: back');
  });
});
