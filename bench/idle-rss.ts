import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Agent, request } from 'undici';
import { packageRoot } from '../registry/index.js';
import { freePort } from '../test/helpers/free-port.js';
import { GATEWAY_NODE_FLAGS } from './gateway-flags.js';
import { RawMcpSession } from './mcp-raw-client.js';
import { rssBytes } from './proc.js';

/**
 * `npm run bench -- idle-rss` (issue #20: "idle RSS after first start ≤ 80 MB"). Starts `agate serve` as `npm start`
 * does (production Node flags, the demo upstream on, a fresh registry that the first start seeds), reads its
 * VmRSS from /proc once a second from outside, and reports it
 * - 3 s after the banner ("after start"), and "settled": once V8 has shrunk the young generation on the first
 *   scavenge of an idle process (it keeps the 2 × 16 MB semi-spaces start-up grew until then), or at the deadline;
 * - beside a bare `node -e "require('http').createServer().listen(0)"` in the same run;
 * - beside another build when IDLE_RSS_EAGER_ROOT names a checkout with its dist/ built (the build before lazy
 *   loading, for the eager figures).
 * Then, in the same still-untouched process, the time to the first MCP initialize and tools/call (the seeded `time`
 * server) and the first admin request, and the same again warm.
 * IDLE_RSS_RUNS (default 2) runs per build; IDLE_RSS_SETTLE_S (default 90) the longest wait for the shrink;
 * IDLE_RSS_NODE_FLAGS (space-separated) replaces the production Node flags, to weigh the semi-space's share.
 */
const NODE_FLAGS: readonly string[] = process.env.IDLE_RSS_NODE_FLAGS?.split(' ').filter(Boolean) ?? GATEWAY_NODE_FLAGS;

export async function run(): Promise<unknown> {
  const runs = Number(process.env.IDLE_RSS_RUNS ?? 2);
  const settleMs = Number(process.env.IDLE_RSS_SETTLE_S ?? 90) * 1000;
  const roots: Array<[string, string]> = [['this build', packageRoot()]];
  if (process.env.IDLE_RSS_EAGER_ROOT) roots.push(['eager build', process.env.IDLE_RSS_EAGER_ROOT]);
  const bare = await measureBare();
  const builds: Record<string, AgateFigures[]> = {};
  // Interleaved, so a busy moment on the machine does not land on one build only.
  for (let i = 0; i < runs; i++) for (const [name, root] of roots) (builds[name] ??= []).push(await measureAgate(root, settleMs));
  printTable(bare, builds);
  return { bareNodeRssMb: bare, nodeFlags: NODE_FLAGS, builds };
}

/** What one start of one build measured (RSS in MB, times in ms). */
interface AgateFigures {
  rssAfterStartMb: number;
  rssSettledMb: number;
  /** Seconds after the banner when the settled figure was reached; undefined if RSS never dropped (deadline). */
  settledAfterS: number | undefined;
  firstInitializeMs: number;
  firstToolCallMs: number;
  firstAdminMs: number;
  warmInitializeMs: number;
  warmToolCallMs: number;
  warmAdminMs: number;
  rssAfterUseMb: number;
}

const mb = (bytes: number | undefined) => Math.round(((bytes ?? NaN) / 1048576) * 10) / 10;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The RSS of a process that only listens: what Node itself costs on this machine. */
async function measureBare(): Promise<number> {
  const child = spawn(process.execPath, ['-e', "require('http').createServer().listen(0, '127.0.0.1')"], { stdio: 'ignore' });
  try {
    await sleep(3000);
    return mb(rssBytes(child.pid));
  } finally {
    child.kill();
  }
}

async function measureAgate(root: string, settleMs: number): Promise<AgateFigures> {
  const dir = mkdtempSync(join(tmpdir(), 'agate-idle-rss-'));
  const token = 'agt_' + randomBytes(24).toString('hex');
  const args = [...NODE_FLAGS, join(root, 'dist', 'cli', 'index.js'), '--db', join(dir, 'agate.db'), 'serve', '--port', '0', '--admin-port', '0', '--demo-port', String(await freePort())];
  const child = spawn(process.execPath, args, { cwd: root, stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, AGATE_ADMIN_TOKEN: token, AGATE_LOG_LEVEL: 'warn' } });
  try {
    const { url, adminUrl } = await banner(child);
    await sleep(3000);
    const rssAfterStart = mb(rssBytes(child.pid));
    const settled = await settledRss(child.pid!, rssAfterStart, settleMs);
    const first = await firstRequests(url, adminUrl, token);
    const warm = await firstRequests(url, adminUrl, token);
    return {
      rssAfterStartMb: rssAfterStart,
      rssSettledMb: settled.rss,
      settledAfterS: settled.afterS,
      firstInitializeMs: first.initialize,
      firstToolCallMs: first.toolCall,
      firstAdminMs: first.admin,
      warmInitializeMs: warm.initialize,
      warmToolCallMs: warm.toolCall,
      warmAdminMs: warm.admin,
      rssAfterUseMb: mb(rssBytes(child.pid)),
    };
  } finally {
    child.kill();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The listeners' URLs, from the banner on stderr. */
function banner(child: ChildProcess): Promise<{ url: string; adminUrl: string }> {
  return new Promise((resolve, reject) => {
    let text = '';
    const timer = setTimeout(() => reject(new Error(`agate serve printed no banner in 30 s:\n${text}`)), 30_000);
    child.once('exit', (code) => reject(new Error(`agate serve exited with ${code}:\n${text}`)));
    child.stderr!.on('data', (chunk: Buffer) => {
      text += chunk.toString();
      const url = /^ {2}gateway +(\S+)/m.exec(text)?.[1];
      const adminUrl = /^ {2}admin API +(\S+)/m.exec(text)?.[1];
      if (url && adminUrl) {
        clearTimeout(timer);
        resolve({ url, adminUrl });
      }
    });
  });
}

/** Samples RSS once a second until it drops below 85 % of the after-start figure (then three more) or the deadline. */
async function settledRss(pid: number, afterStart: number, deadlineMs: number): Promise<{ rss: number; afterS: number | undefined }> {
  const t0 = Date.now();
  while (Date.now() - t0 < deadlineMs) {
    await sleep(1000);
    if (mb(rssBytes(pid)) < afterStart * 0.85) {
      const afterS = Math.round((Date.now() - t0) / 1000) + 3;
      const samples: number[] = [];
      for (let i = 0; i < 3; i++, await sleep(1000)) samples.push(mb(rssBytes(pid)));
      return { rss: samples.sort((a, b) => a - b)[1]!, afterS };
    }
  }
  return { rss: mb(rssBytes(pid)), afterS: undefined };
}

/** Times one MCP initialize, one tools/call on a new session of the seeded `time` server, and one admin GET /status. */
async function firstRequests(url: string, adminUrl: string, token: string): Promise<{ initialize: number; toolCall: number; admin: number }> {
  const dispatcher = new Agent();
  try {
    const session = new RawMcpSession(`${url}/mcp/time`, dispatcher);
    let t = performance.now();
    await session.initialize();
    const initialize = performance.now() - t;
    t = performance.now();
    await session.callTool('get-current-time', { timeZone: 'UTC' });
    const toolCall = performance.now() - t;
    t = performance.now();
    const res = await request(`${adminUrl}/status`, { dispatcher, headers: { authorization: `Bearer ${token}` } });
    await res.body.json();
    if (res.statusCode !== 200) throw new Error(`admin GET /status: HTTP ${res.statusCode}`);
    const admin = performance.now() - t;
    const r = (x: number) => Math.round(x * 10) / 10;
    return { initialize: r(initialize), toolCall: r(toolCall), admin: r(admin) };
  } finally {
    await dispatcher.close();
  }
}

function printTable(bare: number, builds: Record<string, AgateFigures[]>): void {
  const lines = [
    `Node flags: ${NODE_FLAGS.join(' ') || '(none)'}; bare node (http server listening): ${bare} MB`,
    '',
    '| build | RSS 3 s after start | RSS settled (s after start) | after use | first initialize / tools/call / admin | warm initialize / tools/call / admin |',
    '|---|---|---|---|---|---|',
  ];
  for (const [name, runs] of Object.entries(builds)) {
    for (const f of runs) {
      const settledAt = f.settledAfterS === undefined ? 'not within the deadline' : `${f.settledAfterS} s`;
      lines.push(
        `| ${name} | ${f.rssAfterStartMb} MB | ${f.rssSettledMb} MB (${settledAt}) | ${f.rssAfterUseMb} MB | ${f.firstInitializeMs} / ${f.firstToolCallMs} / ${f.firstAdminMs} ms | ${f.warmInitializeMs} / ${f.warmToolCallMs} / ${f.warmAdminMs} ms |`,
      );
    }
  }
  process.stdout.write(lines.join('\n') + '\n');
}
