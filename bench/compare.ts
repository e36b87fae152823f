import { percentile } from './stats.js';

/**
 * Interleaved A/B load for benchmarks that compare agate with a baseline on a shared machine: every target
 * runs in short rounds and the order rotates each round, so a neighbour's burst of CPU use lands on all
 * targets alike instead of on whichever happened to run during it.
 */

/** One checked call against a target: resolves once the answer was verified, rejects on any failure. */
export type Call = () => Promise<void>;

/** How to load the targets. */
export interface LoadOptions {
  /** Calls in flight per target (1 = sequential). */
  width: number;
  /** Measured seconds per target, split over `rounds`. */
  seconds: number;
  /** Rounds per target; the target order rotates each round. */
  rounds: number;
}

/** One target's figures under one load. */
export interface TargetFigures {
  calls: number;
  callsPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  errors: number;
  firstError?: string;
}

const r3 = (n: number) => Math.round(n * 1000) / 1000;

/** Keeps `width` calls in flight on `call` until `until`; the latency samples, errors and wall time. */
async function closedLoop(call: Call, width: number, until: number, samples: number[]) {
  let errors = 0;
  let firstError: string | undefined;
  const started = performance.now();
  const worker = async () => {
    while (performance.now() < until) {
      const t0 = performance.now();
      try {
        await call();
        samples.push(performance.now() - t0);
      } catch (err) {
        errors++;
        firstError ??= (err as Error).message;
      }
    }
  };
  await Promise.all(Array.from({ length: width }, worker));
  return { errors, firstError, elapsed: performance.now() - started };
}

/** Loads every target in rotating rounds (after an unmeasured warm-up round) and summarises each. */
export async function loadInterleaved(targets: Record<string, Call>, opts: LoadOptions): Promise<Record<string, TargetFigures>> {
  const names = Object.keys(targets);
  const perRound = (opts.seconds * 1000) / opts.rounds;
  // Warm-up: JIT, connection pools and lazily built state, at full width so every pooled socket exists.
  for (const name of names) await closedLoop(targets[name]!, opts.width, performance.now() + Math.min(1000, perRound), []);
  const acc = new Map(names.map((n) => [n, { samples: [] as number[], errors: 0, firstError: undefined as string | undefined, ms: 0 }]));
  for (let round = 0; round < opts.rounds; round++) {
    for (let k = 0; k < names.length; k++) {
      const name = names[(round + k) % names.length]!;
      const a = acc.get(name)!;
      const res = await closedLoop(targets[name]!, opts.width, performance.now() + perRound, a.samples);
      a.errors += res.errors;
      a.firstError ??= res.firstError;
      a.ms += res.elapsed;
    }
  }
  const out: Record<string, TargetFigures> = {};
  for (const [name, a] of acc) {
    out[name] = {
      calls: a.samples.length,
      callsPerSecond: Math.round((a.samples.length * 1000) / a.ms),
      p50Ms: r3(percentile(a.samples, 50)),
      p99Ms: r3(percentile(a.samples, 99)),
      errors: a.errors,
      ...(a.firstError !== undefined && { firstError: a.firstError }),
    };
  }
  return out;
}

/** What a target adds over its baseline: latency differences in ms and the throughput ratio. */
export interface Overhead {
  addedP50Ms: number;
  addedP99Ms: number;
  throughputRatio: number;
}

/** `subject` against `baseline`. */
export function overhead(subject: TargetFigures, baseline: TargetFigures): Overhead {
  return {
    addedP50Ms: r3(subject.p50Ms - baseline.p50Ms),
    addedP99Ms: r3(subject.p99Ms - baseline.p99Ms),
    throughputRatio: Math.round((subject.callsPerSecond / baseline.callsPerSecond) * 100) / 100,
  };
}

/** Throws when any target saw errors, naming the first, so a broken path never yields flattering figures. */
export function assertNoErrors(figures: Record<string, TargetFigures>, label: string): void {
  for (const [name, f] of Object.entries(figures)) {
    if (f.errors) throw new Error(`${label} ${name}: ${f.errors} errors, first: ${f.firstError}`);
  }
}

/**
 * CPU time a process spends per call (µs), read with `readCpuUs` around `calls` calls at `width` in flight.
 * Unlike wall-clock latency this barely moves when neighbours load the machine, so it locates the cost.
 */
export async function cpuPerCall(call: Call, opts: { calls: number; width: number }, readCpuUs: () => Promise<number>): Promise<number> {
  return (await cpuPerCallBy(call, opts, { process: readCpuUs })).process!;
}

/** {@link cpuPerCall} for several processes over the same calls (e.g. the gateway and its upstream), by name. */
export async function cpuPerCallBy(
  call: Call,
  opts: { calls: number; width: number; warmup?: number },
  readers: Record<string, () => number | undefined | Promise<number | undefined>>,
): Promise<Record<string, number | undefined>> {
  for (let i = 0; i < (opts.warmup ?? 200); i++) await call();
  const read = async () => Promise.all(Object.values(readers).map((r) => r()));
  const before = await read();
  let started = 0;
  const worker = async () => {
    while (started++ < opts.calls) await call();
  };
  await Promise.all(Array.from({ length: opts.width }, worker));
  const after = await read();
  const names = Object.keys(readers);
  return Object.fromEntries(names.map((n, i) => [n, after[i] === undefined || before[i] === undefined ? undefined : Math.round((after[i]! - before[i]!) / opts.calls)]));
}
