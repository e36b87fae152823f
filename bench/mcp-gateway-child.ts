/**
 * The gateway under test for bench/mcp.ts, in its own process so its RSS and event-loop delay are its own.
 * It hosts the benchmark's echo server type and has the remote backend. IPC: sends `{ url }` once listening;
 * `'stats'` → `{ rss, heapUsed, external, eldP99Ms, eldMaxMs }` (event-loop delay since the last `'reset'`), `'gc'` runs a
 * full collection first (the child is started with --expose-gc), `'reset'` restarts the delay histogram, `'cpu'` → `process.cpuUsage()`, `'heap'` writes a heap snapshot (→ `{ file }`),
 * `'stop'` closes the gateway and exits.
 */
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { writeHeapSnapshot } from 'node:v8';
import { pino } from 'pino';
import { startGateway } from '../server/index.js';
import { createRemoteBackendFactory } from '../server/targets/mcp-router/backends/index.js';
import { hostedServers } from '../servers/index.js';
import { echoDefinition } from './mcp-echo-server.js';

const dbPath = process.argv[2]!;
const log = pino({ level: 'warn' });
const eld = monitorEventLoopDelay({ resolution: 10 });
eld.enable();
const gw = await startGateway({
  dbPath,
  port: 0,
  host: '127.0.0.1',
  adminPort: 0,
  pollMs: 50,
  log,
  // The bench's one address stands for many clients: parts (b) and (c) open more connections than the per-address
  // cap (256) allows, and a capped connection is closed on arrival.
  clientLimits: { maxConnectionsPerClient: 1_000_000 },
  hostedServers: new Map([...hostedServers, [echoDefinition.name, echoDefinition]]),
  mcp: {
    backendFactories: new Map([['remote', createRemoteBackendFactory({ log })]]),
    // The bench opens up to MCP_BENCH_SESSIONS sessions from one loopback client: lift the per-client and total caps.
    maxSessionsPerClient: 1_000_000,
    maxSessions: 1_000_000,
    // Only for experiments: the per-session replay buffer is the router's largest per-message cost.
    ...(process.env.MCP_BENCH_EVENT_BUFFER ? { eventBufferSize: Number(process.env.MCP_BENCH_EVENT_BUFFER) } : {}),
  },
});
process.send!({ url: gw.url });
const stats = () => {
  const m = process.memoryUsage();
  return { rss: m.rss, heapUsed: m.heapUsed, external: m.external, eldP99Ms: eld.percentile(99) / 1e6, eldMaxMs: eld.max / 1e6 };
};
process.on('message', (msg) => {
  if (msg === 'stats') process.send!(stats());
  else if (msg === 'cpu') process.send!(process.cpuUsage());
  else if (msg === 'heap') process.send!({ file: writeHeapSnapshot() });
  else if (msg === 'gc') {
    (globalThis as { gc?: () => void }).gc?.();
    process.send!(stats());
  } else if (msg === 'reset') {
    eld.reset();
    process.send!({ ok: true });
  } else if (msg === 'stop') void gw.close().then(() => process.exit(0));
});
