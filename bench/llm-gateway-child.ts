/**
 * The gateway under test for bench/llm.ts, in its own process so its RSS and event-loop delay are its own.
 * Protocol over IPC: sends `{ url }` once listening; answers `'stats'` with `{ rss, eldP99Ms }`; exits on `'stop'`.
 */
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { pino } from 'pino';
import { startGateway } from '../server/index.js';

const dbPath = process.argv[2]!;
const eld = monitorEventLoopDelay({ resolution: 10 });
eld.enable();
// The bench's one address stands for a thousand clients in part (b): the per-address connection cap (256 by
// default) would close three in four of its streams on arrival.
const clientLimits = { maxConnectionsPerClient: 1_000_000 };
const gw = await startGateway({ dbPath, port: 0, host: '127.0.0.1', adminPort: 0, pollMs: 50, log: pino({ level: 'warn' }), clientLimits });
process.send!({ url: gw.url });
process.on('message', (msg) => {
  if (msg === 'stats') {
    process.send!({ rss: process.memoryUsage().rss, eldP99Ms: eld.percentile(99) / 1e6 });
    eld.reset();
  } else if (msg === 'stop') {
    void gw.close().then(() => process.exit(0));
  }
});
