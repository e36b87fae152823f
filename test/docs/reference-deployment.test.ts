/**
 * docs/examples/deploy/replicas.sh runs as docs/deploy.md says: redis-server, three `agate serve --redis` replicas on
 * one registry and Debian's nginx in front (round robin, no stickiness). Two consumers drive it with the v1 SDK
 * client through nginx, request by request on replica after replica (nginx's own access log says which), and the
 * script stops everything it started. Needs nginx and redis-server: skipped locally without them, failing in CI
 * (`.ci/run` installs both).
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { packageRoot } from '../../registry/index.js';
import { CLI_PATH } from '../helpers/cli.js';
import { freePort } from '../helpers/free-port.js';
import { waitFor } from '../helpers/gateway.js';
import { hasRedis } from '../helpers/redis.js';

const SCRIPT = join(packageRoot(), 'docs', 'examples', 'deploy', 'replicas.sh');
const NGINX = ['nginx', '/usr/sbin/nginx'].find((bin) => spawnSync(bin, ['-v']).status === 0);
const skip = (!NGINX || !hasRedis) && process.env.CI !== 'true';
const ADMIN_TOKEN = 'agt_reference_deployment_test_token';

interface Deployment {
  child: ChildProcess;
  url: string;
  adminUrl: string;
  folder: string;
  replicaPorts: number[];
  output(): string;
  exited: Promise<number | null>;
}

async function startDeployment(): Promise<Deployment> {
  const [port, redisPort, ...rest] = await Promise.all(Array.from({ length: 8 }, () => freePort()));
  const replicaPorts = rest.slice(0, 3);
  const adminPorts = rest.slice(3);
  const env = {
    ...process.env,
    AGATE: `${process.execPath} ${CLI_PATH}`,
    NGINX: NGINX ?? 'nginx',
    PORT: String(port),
    REDIS_PORT: String(redisPort),
    REPLICA_PORTS: replicaPorts.join(' '),
    ADMIN_PORTS: adminPorts.join(' '),
    AGATE_ADMIN_TOKEN: ADMIN_TOKEN,
  };
  const child = spawn('bash', [SCRIPT], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout!.on('data', (c) => (output += c));
  child.stderr!.on('data', (c) => (output += c));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  await waitFor(
    () => {
      if (child.exitCode !== null) throw new Error(`replicas.sh exited with ${child.exitCode}:\n${output}`);
      return output.includes('agate replicas behind nginx');
    },
    'replicas.sh to report nginx in front of three replicas',
    90_000,
  );
  const folder = /^folder: (.+)$/m.exec(output)![1]!;
  return { child, url: `http://127.0.0.1:${port}`, adminUrl: `http://127.0.0.1:${adminPorts[0]}`, folder, replicaPorts: replicaPorts, output: () => output, exited };
}

/** Which replica (port) answered each finished POST, in order, from nginx's access log. */
function answeredPosts(folder: string): number[] {
  return readFileSync(join(folder, 'nginx', 'access.log'), 'utf8')
    .split('\n')
    .filter((l) => l.includes('"POST /mcp/time'))
    .map((l) => Number(/upstream=127\.0\.0\.1:(\d+)/.exec(l)![1]));
}

/** The answered POSTs once `count` are logged: nginx logs a request once finished, maybe just after the client read it. */
function loggedPosts(folder: string, count: number): Promise<number[]> {
  return waitFor(() => {
    const logged = answeredPosts(folder);
    return logged.length >= count ? logged : undefined;
  }, `nginx to log ${count} POSTs`, 5_000);
}

async function admin(d: Deployment, method: string, path: string, body?: unknown): Promise<unknown> {
  const res = await fetch(`${d.adminUrl}${path}`, {
    method,
    headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  expect(res.status, `${method} ${path}`).toBeLessThan(300);
  return res.json();
}

async function connect(url: string, key: string): Promise<{ client: Client; transport: StreamableHTTPClientTransport }> {
  const client = new Client({ name: 'reference-deployment-test', version: '1.0.0' });
  const transport = new StreamableHTTPClientTransport(new URL(`${url}/mcp/time`), { requestInit: { headers: { 'x-api-key': key } } });
  await client.connect(transport);
  return { client, transport };
}

describe.skipIf(skip)('the reference deployment (docs/examples/deploy/replicas.sh)', () => {
  let d: Deployment;
  beforeAll(async () => {
    d = await startDeployment();
  }, 120_000);
  afterAll(async () => {
    if (d && d.child.exitCode === null) {
      d.child.kill('SIGTERM');
      await d.exited;
    }
    // Never leave an nginx master behind, even if the script could not stop it.
    const pidFile = d ? join(d.folder, 'nginx', 'nginx.pid') : '';
    if (pidFile && existsSync(pidFile)) process.kill(Number(readFileSync(pidFile, 'utf8')), 'SIGQUIT');
  }, 30_000);

  it('serves two consumers through nginx, each request on the next replica, and stops everything on SIGTERM', async () => {
    // Two consumers and their keys through one replica's admin API; the seeded `time` server then requires a key.
    const keys: Record<string, string> = {};
    for (const name of ['alice', 'bob']) {
      await admin(d, 'POST', '/consumers', { name });
      keys[name] = ((await admin(d, 'POST', `/consumers/${name}/keys`)) as { key: string }).key;
    }
    const time = (await admin(d, 'GET', '/mcp-servers/time')) as Record<string, unknown>;
    await admin(d, 'PUT', '/mcp-servers/time', { ...time, access: { consumers: ['alice', 'bob'] } });
    // Served by all three once three anonymous initializes in a row (one per replica) are refused.
    const init = JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'anon', version: '1' } } });
    let probes = 0;
    const anonymous = async () => {
      probes++;
      const res = await fetch(`${d.url}/mcp/time`, { method: 'POST', headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream' }, body: init });
      await res.body?.cancel();
      return res.status;
    };
    await waitFor(async () => (await anonymous()) === 401 && (await anonymous()) === 401 && (await anonymous()) === 401, 'the key requirement on every replica', 10_000);
    const postsBefore = await loggedPosts(d.folder, probes);

    // Connected one after the other (initialize, notifications/initialized), then strictly alternating requests.
    const alice = await connect(d.url, keys.alice!);
    const bob = await connect(d.url, keys.bob!);
    const order: Array<'alice' | 'bob'> = ['alice', 'alice', 'bob', 'bob'];
    // Zones without daylight saving time, so their UTC offsets are fixed facts of the tz database.
    const zones = { alice: { timeZone: 'Asia/Kolkata', offset: '+05:30' }, bob: { timeZone: 'Asia/Tokyo', offset: '+09:00' } };
    for (let round = 0; round < 3; round++) {
      for (const [who, c] of [['alice', alice], ['bob', bob]] as const) {
        const { tools } = await c.client.listTools();
        expect(tools.map((t) => t.name)).toContain('get-current-time');
        const called = await c.client.callTool({ name: 'get-current-time', arguments: { timeZone: zones[who].timeZone } });
        expect(called.isError).toBeFalsy();
        expect(JSON.stringify(called.content)).toContain(zones[who].offset);
        order.push(who, who);
      }
    }

    // Neither consumer can use the other's session: 404 on every replica, as for an unknown session.
    for (let i = 0; i < 3; i++) {
      const res = await fetch(`${d.url}/mcp/time`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream', 'mcp-protocol-version': '2025-11-25', 'mcp-session-id': alice.transport.sessionId!, 'x-api-key': keys.bob! },
        body: JSON.stringify({ jsonrpc: '2.0', id: 9, method: 'tools/list' }),
      });
      expect(res.status).toBe(404);
      await res.body?.cancel();
      order.push('bob');
    }

    const posts = (await loggedPosts(d.folder, probes + order.length)).slice(postsBefore.length);
    expect(posts).toHaveLength(order.length);
    for (const who of ['alice', 'bob'] as const) {
      const served = new Set(posts.filter((_, i) => order[i] === who));
      expect([...served].sort(), `${who}'s requests reached every replica`).toEqual([...d.replicaPorts].sort());
    }
    expect(new Set(posts.slice(-3)), 'the refused requests reached every replica').toEqual(new Set(d.replicaPorts));
    await alice.client.close();
    await bob.client.close();

    const nginxPid = Number(readFileSync(join(d.folder, 'nginx', 'nginx.pid'), 'utf8'));
    d.child.kill('SIGTERM');
    expect(await d.exited).toBe(143);
    expect(existsSync(d.folder), 'the temp folder is removed').toBe(false);
    expect(processAlive(nginxPid), 'nginx master stopped').toBe(false);
    await expect(fetch(d.url)).rejects.toThrow();
    for (const port of d.replicaPorts) await expect(fetch(`http://127.0.0.1:${port}/`)).rejects.toThrow();
  }, 60_000);
});

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
