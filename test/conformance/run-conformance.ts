#!/usr/bin/env node
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { pino } from 'pino';
import { startConformanceServer } from '../fixtures/conformance-server/index.js';
import { startModernConformanceServer } from '../fixtures/conformance-server-2026/index.js';
import { loadRemoteFactory, startAgateTarget } from './agate-target.js';
import { judge, loadBaseline } from './baseline.js';
import { renderMarkdown, renderMatrix, renderTable, renderTotals, writeDocsSection, type LabelledResults } from './report.js';
import { readResults } from './results.js';
import { runSuite } from './suite-process.js';

const USAGE = `Usage: node dist/test/conformance/run-conformance.js [options]

Runs the MCP conformance suite (server scenarios) and compares the results with the baseline.
By default the suite runs against agate: a gateway started in process (temporary registry, 127.0.0.1:0) that
serves a conformance fixture at /mcp/conformance, hosted in process or as a remote Streamable HTTP backend;
first the 2025-11-25 scenarios (0.1.16), then the 2026-07-28 requirement set (0.2.0-alpha.12).

  --target <list>        comma-separated: agate (2025 fixture hosted in agate), agate-remote (2025 fixture as a
                         remote backend of agate), agate-modern (2026-only fixture as a remote backend of agate),
                         fixture (the 2025 fixture directly), fixture-2026 (the 2026 fixture directly)
                         (default: agate,agate-remote,agate-modern at both revisions; the remote targets are
                         skipped when the build lacks the remote backend)
  --url <url>            test this endpoint instead of starting anything
  --label <name>         name of the target in the report and docs section (default: the target, -2026 added
                         for a 2026-07-28 run, or "url")
  --requirements <rev>   run exactly the scenarios this revision requires (2026-07-28; suite 0.2.0-alpha.12)
                         instead of --suite/--spec-version; baseline test/conformance/expected-failures-2026.json
  --suite <name>         active (default, the scored scenarios) | all | pending
  --spec-version <rev>   keep scenarios of this revision (default 2025-11-25)
  --scenario <name>      run one scenario only (with --requirements: at that revision's wire version)
  --baseline <path>      expected failures (default test/conformance/expected-failures.json, or -2026 as above)
  --timeout-ms <n>       kill the suite after this long, per target (default 180000)
  --write-docs           update the results sections of docs/conformance.md
  --keep-results <dir>   write the suite's checks.json files here (one folder per target) instead of a temp folder
  --verbose              stream the suite's own output to stderr
Exit: 0 all as expected; 1 an unexpected failure or a stale baseline entry; 2 the run itself failed.`;

// Exit codes: 1 means "conformance regressed", 2 means "we could not tell" (timeout, bad input, crash).
const EXIT_MISMATCH = 1;
const EXIT_ERROR = 2;

type TargetName = 'agate' | 'agate-remote' | 'agate-modern' | 'fixture' | 'fixture-2026';
const TARGETS: readonly TargetName[] = ['agate', 'agate-remote', 'agate-modern', 'fixture', 'fixture-2026'];
const DEFAULT_TARGETS: readonly TargetName[] = ['agate', 'agate-remote', 'agate-modern'];
/** The revision whose frozen requirement set the default run adds. */
const REQUIREMENTS_2026 = '2026-07-28';

/** A finished run's judged results and the revision it ran (collected for the docs matrices). */
type DoneRun = LabelledResults & { requirements?: string };

/** One suite run: a target at a revision (no requirements: the 0.1.16 2025 scenarios). */
interface PlannedRun {
  target: TargetName;
  requirements?: string;
}
type Values = ReturnType<typeof parseArgs<{ options: typeof OPTIONS }>>['values'];

/** A started endpoint to test. */
interface Endpoint {
  url: string;
  close(): Promise<void>;
}

async function main(): Promise<number> {
  const parsed = parseCli();
  if (!parsed.ok) return fail(`${parsed.errors.join('; ')}\n\n${USAGE}`);
  const values = parsed.value;
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  const timeoutMs = Number(values['timeout-ms']);
  if (!Number.isInteger(timeoutMs) || timeoutMs <= 0) return fail(`--timeout-ms must be a positive integer, got ${values['timeout-ms']}`);
  const plan = values.url ? [] : planRuns(values);
  if (!plan) return fail(`--target takes a comma-separated list of ${TARGETS.join(', ')}, got ${values.target}`);
  if (values.label && plan.length > 1) return fail('--label names one run; give one --target and --requirements (or --url)');

  if (values.url) return runTarget(values, { url: values.url, close: async () => {} }, { label: values.label ?? 'url', requirements: values.requirements, timeoutMs });
  let worst = 0;
  const done: DoneRun[] = [];
  for (const run of plan) {
    const code = await runNamedTarget(values, run, { timeoutMs, implicit: values.target === undefined, done });
    worst = Math.max(worst, code);
  }
  if (values['write-docs']) writeMatrices(done);
  return worst;
}

/** The scenario × target table of each revision that ran on more than one target (docs section `matrix-<year>`). */
function writeMatrices(done: readonly DoneRun[]): void {
  for (const requirements of new Set(done.map((d) => d.requirements))) {
    const runs = done.filter((d) => d.requirements === requirements);
    if (runs.length < 2) continue;
    const label = `matrix-${requirements ? requirements.slice(0, 4) : '2025'}`;
    const what = requirements ? `the ${requirements} requirement set (suite 0.2.0-alpha.12)` : 'the 2025-11-25 scenarios (suite 0.1.16)';
    const invocation = ['node dist/test/conformance/run-conformance.js', ...process.argv.slice(2)].join(' ');
    const markdown = [`Run on ${new Date().toISOString().slice(0, 10)}: ${what}, one column per target, with \`${invocation}\`.`, '', renderMatrix(runs)].join('\n');
    writeDocsSection(join(projectRoot(), 'docs/conformance.md'), label, markdown);
    console.error(`conformance: wrote the ${label} section of docs/conformance.md`);
  }
}

/**
 * The runs to do: the named targets at the named revision, or, with neither given, the default targets at
 * 2025-11-25 and then at 2026-07-28 (what `npm run conformance` and CI run).
 */
function planRuns(values: Values): PlannedRun[] | undefined {
  const targets = parseTargets(values.target);
  if (!targets) return undefined;
  if (values.requirements !== undefined || values.target !== undefined) return targets.map((target) => ({ target, requirements: values.requirements }));
  return [...targets.map((target) => ({ target })), ...targets.map((target) => ({ target, requirements: REQUIREMENTS_2026 }))];
}

/** Starts one named target, runs the suite against it and stops it; 0 when skipped. */
async function runNamedTarget(values: Values, run: PlannedRun, options: { timeoutMs: number; implicit: boolean; done: DoneRun[] }): Promise<number> {
  const { target, requirements } = run;
  let endpoint: Endpoint;
  try {
    const started = await startTarget(target);
    if (started === 'no-remote') {
      // Asked for by name it is an error; as part of the default list it is skipped, loudly.
      if (!options.implicit) return fail(`${target}: this build has no remote MCP backend`);
      console.error(`conformance: skipping ${target} (this build has no remote MCP backend)`);
      return 0;
    }
    endpoint = started;
  } catch (error) {
    return fail(`${target}: could not start: ${error instanceof Error ? error.stack : String(error)}`);
  }
  const suffix = requirements ? `-${requirements.slice(0, 4)}` : '';
  const label = values.label ?? (target.endsWith(suffix) ? target : `${target}${suffix}`);
  try {
    return await runTarget(values, endpoint, { label, requirements, timeoutMs: options.timeoutMs, done: options.done });
  } finally {
    await endpoint.close();
  }
}

/** Starts a target; `no-remote` when it needs the remote backend and this build has none. */
async function startTarget(target: TargetName): Promise<Endpoint | 'no-remote'> {
  if (target === 'fixture') return startConformanceServer({ log: (line) => console.error(line) });
  if (target === 'fixture-2026') return startModernConformanceServer();
  if (target === 'agate') return startAgateTarget('hosted');
  const factory = await loadRemoteFactory(pino({ level: process.env.AGATE_LOG_LEVEL ?? 'warn' }, pino.destination(2)));
  if (!factory) return 'no-remote';
  return startAgateTarget(target === 'agate-modern' ? 'modern-remote' : 'remote', factory);
}

/** Runs the suite against one endpoint, prints the table, judges it and (optionally) writes its docs section. */
/** What one suite run is called and how it runs; `done` collects its judged results (for the matrices). */
interface RunOptions {
  label: string;
  requirements?: string;
  timeoutMs: number;
  done?: DoneRun[];
}

async function runTarget(values: Values, endpoint: Endpoint, run: RunOptions): Promise<number> {
  const { label, requirements, timeoutMs } = run;
  const root = projectRoot();
  // The 2026 runs have their own baseline; any other revision (2025-11-25 by requirements too) the 2025 one.
  const defaultBaseline = requirements === REQUIREMENTS_2026 ? 'test/conformance/expected-failures-2026.json' : 'test/conformance/expected-failures.json';
  const baseline = loadBaseline(resolve(root, values.baseline ?? defaultBaseline));
  if (!baseline.ok) return fail(`invalid baseline:\n  ${baseline.errors.join('\n  ')}`);
  // The label names an HTML comment marker in the docs, so keep it to a plain slug.
  if (!/^[a-z0-9][a-z0-9-]*$/.test(label)) return fail(`--label must be a lowercase slug (a-z, 0-9, -), got ${label}`);
  const keep = values['keep-results'];
  const outputDir = keep ? resolve(keep, label) : mkdtempSync(join(tmpdir(), 'agate-conformance-'));
  if (keep) mkdirSync(outputDir, { recursive: true });
  try {
    const url = endpoint.url;
    const what = requirements ? `requirements ${requirements}` : `suite ${values.suite}, spec ${values['spec-version']}`;
    console.error(`conformance: ${label}: testing ${url} (${values.scenario ? `scenario ${values.scenario}, ` : ''}${what})`);
    const suiteRun = { url, suite: values.suite, specVersion: values['spec-version'], requirements, scenario: values.scenario, outputDir, timeoutMs, echo: values.verbose };
    const outcome = await runSuite(suiteRun);
    if (outcome.timedOut) return fail(`${label}: the suite did not finish within ${timeoutMs} ms\n${tail(outcome.output)}`);

    const results = readResults(outputDir, outcome.output);
    if (results.length === 0) return fail(`${label}: the suite produced no results (exit ${String(outcome.exitCode)})\n${tail(outcome.output)}`);
    const verdict = judge(results, baseline.value, label);
    run.done?.push({ label, requirements, results: verdict.results });
    console.log(`\n== ${label} (${url})\n`);
    console.log(renderTable(verdict.results));
    console.log(`\n${renderTotals(verdict.results)}`);
    for (const r of verdict.results.filter((x) => x.verdict === 'unexpected-failure' || x.verdict === 'stale-baseline')) {
      const why = r.verdict === 'stale-baseline' ? 'passes now: remove it from the baseline' : r.notes.join('\n    ');
      console.log(`\n${r.scenario}: ${why}`);
    }
    if (values['write-docs']) {
      const invocation = ['node dist/test/conformance/run-conformance.js', ...process.argv.slice(2)].join(' ');
      const markdown = renderMarkdown({ label, url, command: outcome.command, invocation, date: new Date() }, verdict.results);
      writeDocsSection(join(root, 'docs/conformance.md'), label, markdown);
      console.error(`conformance: wrote the ${label} section of docs/conformance.md`);
    }
    return verdict.ok ? 0 : EXIT_MISMATCH;
  } finally {
    if (!keep) rmSync(outputDir, { recursive: true, force: true });
  }
}

function parseTargets(list: string | undefined): TargetName[] | undefined {
  const names = (list ?? DEFAULT_TARGETS.join(',')).split(',').map((t) => t.trim());
  if (names.length === 0 || !names.every((n): n is TargetName => (TARGETS as readonly string[]).includes(n))) return undefined;
  return [...new Set(names)];
}

const OPTIONS = {
  target: { type: 'string' },
  url: { type: 'string' },
  label: { type: 'string' },
  suite: { type: 'string', default: 'active' },
  'spec-version': { type: 'string', default: '2025-11-25' },
  requirements: { type: 'string' },
  scenario: { type: 'string' },
  baseline: { type: 'string' },
  'timeout-ms': { type: 'string', default: '180000' },
  'write-docs': { type: 'boolean', default: false },
  'keep-results': { type: 'string' },
  verbose: { type: 'boolean', default: false },
  help: { type: 'boolean', default: false },
} as const;

function parseCli(): { ok: true; value: Values } | { ok: false; errors: string[] } {
  try {
    return { ok: true, value: parseArgs({ options: OPTIONS }).values };
  } catch (error) {
    return { ok: false, errors: [error instanceof Error ? error.message : String(error)] };
  }
}

// Works from the source tree and from dist/ alike: the nearest package.json named "agate" above this file.
function projectRoot(): string {
  for (let dir = dirname(fileURLToPath(import.meta.url)); ; dir = dirname(dir)) {
    const manifest = join(dir, 'package.json');
    if (existsSync(manifest) && (JSON.parse(readFileSync(manifest, 'utf8')) as { name?: string }).name === 'agate') return dir;
    if (dirname(dir) === dir) return process.cwd();
  }
}

function fail(message: string): number {
  console.error(`conformance: ${message}`);
  return EXIT_ERROR;
}

function tail(output: string, lines = 30): string {
  return output.trimEnd().split('\n').slice(-lines).join('\n');
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error('conformance: runner crashed:', error);
    process.exit(EXIT_ERROR);
  },
);
