import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli, spawnCli } from '../helpers/cli.js';
import { tempDir } from '../helpers/temp-dir.js';

const ROUTES = 5000;
const TRIALS = 10;

/** An apply file for generation `gen`: the same route names, every path tagged with the generation. */
function writeGeneration(dir: string, gen: number): string {
  const routes = Array.from({ length: ROUTES }, (_, i) => ({
    name: `r-${String(i).padStart(4, '0')}`,
    path: `/g${gen}/r-${i}`,
    upstream: 'http://127.0.0.1:9',
  }));
  const file = join(dir, `gen-${gen}.json`);
  writeFileSync(file, JSON.stringify({ routes }));
  return file;
}

/** Integrity and the set of generations the routes table holds (with how many rows each). */
function inspect(db: string): { integrity: string; generations: Map<number, number>; audited: number } {
  const raw = new Database(db);
  try {
    const integrity = raw.pragma('integrity_check', { simple: true }) as string;
    const generations = new Map<number, number>();
    for (const { spec } of raw.prepare('SELECT spec FROM routes').all() as { spec: string }[]) {
      const gen = Number(/^\/g(\d+)\//.exec(JSON.parse(spec).path)![1]);
      generations.set(gen, (generations.get(gen) ?? 0) + 1);
    }
    const audited = (raw.prepare("SELECT count(*) AS n FROM audit_log WHERE entity = 'route'").get() as { n: number }).n;
    return { integrity, generations, audited };
  } finally {
    raw.close();
  }
}

describe('crash safety: kill -9 during a large apply', () => {
  const tmp = tempDir();
  const db = join(tmp.dir, 'agate.db');
  afterAll(() => tmp.cleanup());

  it(`leaves a sound registry holding entirely the old or entirely the new generation (${TRIALS} kills)`, async () => {
    const first = await runCli(['apply', '-f', writeGeneration(tmp.dir, 1)], db);
    expect(first.stderr).toBe('');
    expect(first.code).toBe(0);
    // One full update run sets the scale: kills are spread over [0, 1.5 × its duration], a random point per slice.
    const started = Date.now();
    const second = await runCli(['apply', '-f', writeGeneration(tmp.dir, 2)], db);
    const fullRunMs = Date.now() - started;
    expect(second.stdout).toContain(`0 created, ${ROUTES} updated`);
    let current = 2;
    let audited = 2 * ROUTES;
    const outcomes: Array<{ delayMs: number; kept: 'old' | 'new' }> = [];

    for (let trial = 0; trial < TRIALS; trial++) {
      const next = current + 1;
      const file = writeGeneration(tmp.dir, next);
      const delayMs = Math.round(((trial + Math.random()) / TRIALS) * fullRunMs * 1.5);
      const child = spawnCli(['apply', '-f', file], db);
      child.stdout!.resume();
      child.stderr!.resume();
      const exited = new Promise<NodeJS.Signals | number | null>((resolve) => child.once('exit', (code, sig) => resolve(sig ?? code)));
      const killer = setTimeout(() => child.kill('SIGKILL'), delayMs);
      const how = await exited;
      clearTimeout(killer);

      const state = inspect(db);
      expect(state.integrity).toBe('ok');
      expect([...state.generations.keys()]).toHaveLength(1);
      const [gen, count] = [...state.generations.entries()][0]!;
      expect(count).toBe(ROUTES);
      expect([current, next]).toContain(gen);
      // The audit log commits with the data: a kept generation has its 5000 audit rows, a lost one none.
      audited += gen === next ? ROUTES : 0;
      expect(state.audited).toBe(audited);
      if (how === 0) expect(gen).toBe(next);
      outcomes.push({ delayMs, kept: gen === next ? 'new' : 'old' });
      current = gen;
    }
    console.info(`crash-safety: full apply ${fullRunMs} ms; kills: ${outcomes.map((o) => `${o.delayMs}ms→${o.kept}`).join(', ')}`);
    expect(outcomes).toHaveLength(TRIALS);
  }, 120_000);
});
