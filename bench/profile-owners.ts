/**
 * Where a gateway's CPU time goes, by owner, from a V8 `.cpuprofile` (`BENCH_CHILD_EXEC_ARGV='--cpu-prof
 * --cpu-prof-dir=<dir>'` on a bench writes one per gateway child). Self time of every sample is charged to the
 * owner of its top frame: V8's native bindings (socket writes and reads: the system calls), Node's HTTP, Node's
 * net/streams/events/timers, undici, agate's own code (split by request-path and stream-path files), logging,
 * metrics, GC, and the rest. Idle samples are left out; shares are of the busy time.
 * Usage: `node dist/bench/profile-owners.js <file.cpuprofile> [skipSeconds]` (skip start-up).
 */
import { readFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}
interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

/** agate files whose work is per SSE chunk rather than per request. */
const STREAM_PATH = /\/sse\/|\/router\/(stream-passthrough|client-stream|serve-stream|stream-translate)\.js|\/translate\/(openai-chunk-stream|[a-z]+-stream-to-[a-z]+|stream-sink)\.js|\/upstream-exchange\.js/;

/** The owner of a frame, by its script URL and name. */
export function ownerOf(frame: ProfileNode['callFrame']): string {
  const { url, functionName: fn } = frame;
  if (fn === '(garbage collector)') return 'GC';
  if (fn === '(program)' || fn === '(root)') return 'unattributed native ((program))';
  if (url === '') return 'native bindings (syscalls: socket writes/reads, timers)';
  if (url.includes('/node_modules/undici/')) return 'undici';
  if (/\/node_modules\/(pino|sonic-boom|thread-stream|fast-redact|quick-format)/.test(url)) return 'logging (pino)';
  if (url.includes('/node_modules/prom-client/')) return 'metrics (prom-client)';
  if (url.includes('/node_modules/')) return 'other dependencies';
  if (/^node:(_http_|http$|internal\/http)/.test(url)) return 'Node HTTP (server, parser callbacks, outgoing)';
  if (url.startsWith('node:')) return 'Node net, streams, events, timers';
  if (url.includes('/server/')) return STREAM_PATH.test(url) ? "agate's own code, per chunk (SSE parse, relay)" : "agate's own code, per request";
  return 'other';
}

/** Self time in µs by owner and, for agate's own code and native bindings, by function. */
export function owners(profile: CpuProfile, skipUs = 0) {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const byOwner = new Map<string, number>();
  const byFn = new Map<string, number>();
  let t = 0;
  let busy = 0;
  profile.samples.forEach((id, i) => {
    const dt = profile.timeDeltas[i] ?? 0;
    t += dt;
    const node = byId.get(id)!;
    if (t < skipUs || node.callFrame.functionName === '(idle)') return;
    busy += dt;
    const owner = ownerOf(node.callFrame);
    byOwner.set(owner, (byOwner.get(owner) ?? 0) + dt);
    const f = node.callFrame;
    const key = `${owner.split(' (')[0]} ${f.functionName || '(anonymous)'} ${f.url.replace(/^.*\/(dist|node_modules)\//, '')}:${f.lineNumber + 1}`;
    byFn.set(key, (byFn.get(key) ?? 0) + dt);
  });
  return { busyUs: busy, byOwner: [...byOwner].sort((a, b) => b[1] - a[1]), byFn: [...byFn].sort((a, b) => b[1] - a[1]) };
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const profile = JSON.parse(readFileSync(process.argv[2]!, 'utf8')) as CpuProfile;
  const { busyUs, byOwner, byFn } = owners(profile, Number(process.argv[3] ?? 0) * 1e6);
  const pct = (us: number) => `${((us / busyUs) * 100).toFixed(1)} %`;
  process.stdout.write(`busy ${(busyUs / 1e6).toFixed(2)} s\n\n| owner | share | ms |\n| --- | --- | --- |\n`);
  for (const [o, us] of byOwner) process.stdout.write(`| ${o} | ${pct(us)} | ${(us / 1000).toFixed(0)} |\n`);
  process.stdout.write('\ntop functions (self):\n');
  for (const [f, us] of byFn.slice(0, Number(process.env.TOP ?? 40))) process.stdout.write(`  ${pct(us).padStart(7)}  ${f}\n`);
}
