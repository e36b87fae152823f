#!/usr/bin/env node
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { pino } from 'pino';
import { startConformanceServer } from '../fixtures/conformance-server/index.js';
import { loadRemoteFactory, startAgateTarget } from './agate-target.js';
import { judge, loadBaseline } from './baseline.js';
import { renderMarkdown, renderTable, renderTotals, writeDocsSection } from './report.js';
import { readResults } from './results.js';
import { runSuite } from './suite-process.js';

const USAGE = `Usage: node dist/test/conformance/run-conformance.js [options]

Runs the MCP conformance suite (server scenarios) and compares the results with the baseline.
By default the suite runs against agate: a gateway started in process (temporary registry, 127.0.0.1:0) that
serves the conformance fixture at /mcp/conformance, once hosted in process and once as a remote Streamable
HTTP backend (when the build has the remote backend).

  --target <list>        comma-separated: agate (fixture hosted in agate), agate-remote (fixture over HTTP as
                         a remote backend of agate), fixture (the fixture directly, for comparison)
                         (default agate,agate-remote; agate-remote is skipped when the build lacks it)
  --url <url>            test this endpoint instead of starting anything
  --label <name>         name of the target in the report and docs section (default: the target, or "url")
  --suite <name>         active (default, the scored scenarios) | all | pending
  --spec-version <rev>   keep scenarios of this revision (default 2025-11-25)
  --scenario <name>      run one scenario only
  --baseline <path>      expected failures (default test/conformance/expected-failures.json)
  --timeout-ms <n>       kill the suite after this long, per target (default 180000)
  --write-docs           update the results sections of docs/conformance.md
  --keep-results <dir>   write the suite's checks.json files here (one folder per target) instead of a temp folder
  --verbose              stream the suite's own output to stderr
Exit: 0 all as expected; 1 an unexpected failure or a stale baseline entry; 2 the run itself failed.`;

// Exit codes: 1 means "conformance regressed", 2 means "we could not tell" (timeout, bad input, crash).
const EXIT_MISMATCH = 1;
const EXIT_ERROR = 2;

type TargetName = 'agate' | 'agate-remote' | 'fixture';
const TARGETS: readonly TargetName[] = ['agate', 'agate-remote', 'fixture'];
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
  const targets = values.url ? [] : parseTargets(values.target);
  if (!targets) return fail(`--target takes a comma-separated list of ${TARGETS.join(', ')}, got ${values.target}`);
  if (values.label && targets.length > 1) return fail('--label names one target; give one --target (or --url)');

  let worst = 0;
  if (values.url) return runTarget(values, { url: values.url, close: async () => {} }, values.label ?? 'url', timeoutMs);
  for (const target of targets) {
    const code = await runNamedTarget(values, target, timeoutMs, values.target === undefined);
    worst = Math.max(worst, code);
  }
  return worst;
}

/** Starts one named target, runs the suite against it and stops it; 0 when skipped. */
async function runNamedTarget(values: Values, target: TargetName, timeoutMs: number, implicit: boolean): Promise<number> {
  let endpoint: Endpoint;
  try {
    if (target === 'fixture') {
      endpoint = await startConformanceServer({ log: (line) => console.error(line) });
    } else if (target === 'agate') {
      endpoint = await startAgateTarget('hosted');
    } else {
      const factory = await loadRemoteFactory(pino({ level: process.env.AGATE_LOG_LEVEL ?? 'warn' }, pino.destination(2)));
      if (!factory) {
        // Asked for by name it is an error; as part of the default list it is skipped, loudly.
        if (!implicit) return fail('agate-remote: this build has no remote MCP backend');
        console.error('conformance: skipping agate-remote (this build has no remote MCP backend)');
        return 0;
      }
      endpoint = await startAgateTarget('remote', factory);
    }
  } catch (error) {
    return fail(`${target}: could not start: ${error instanceof Error ? error.stack : String(error)}`);
  }
  try {
    return await runTarget(values, endpoint, values.label ?? target, timeoutMs);
  } finally {
    await endpoint.close();
  }
}

/** Runs the suite against one endpoint, prints the table, judges it and (optionally) writes its docs section. */
async function runTarget(values: Values, endpoint: Endpoint, label: string, timeoutMs: number): Promise<number> {
  const root = projectRoot();
  const baseline = loadBaseline(resolve(root, values.baseline ?? 'test/conformance/expected-failures.json'));
  if (!baseline.ok) return fail(`invalid baseline:\n  ${baseline.errors.join('\n  ')}`);
  // The label names an HTML comment marker in the docs, so keep it to a plain slug.
  if (!/^[a-z0-9][a-z0-9-]*$/.test(label)) return fail(`--label must be a lowercase slug (a-z, 0-9, -), got ${label}`);
  const keep = values['keep-results'];
  const outputDir = keep ? resolve(keep, label) : mkdtempSync(join(tmpdir(), 'agate-conformance-'));
  if (keep) mkdirSync(outputDir, { recursive: true });
  try {
    const url = endpoint.url;
    console.error(`conformance: ${label}: testing ${url} (${values.scenario ? `scenario ${values.scenario}` : `suite ${values.suite}, spec ${values['spec-version']}`})`);
    const run = { url, suite: values.suite, specVersion: values['spec-version'], scenario: values.scenario, outputDir, timeoutMs, echo: values.verbose };
    const outcome = await runSuite(run);
    if (outcome.timedOut) return fail(`${label}: the suite did not finish within ${timeoutMs} ms\n${tail(outcome.output)}`);

    const results = readResults(outputDir, outcome.output);
    if (results.length === 0) return fail(`${label}: the suite produced no results (exit ${String(outcome.exitCode)})\n${tail(outcome.output)}`);
    const verdict = judge(results, baseline.value);
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
  const names = (list ?? 'agate,agate-remote').split(',').map((t) => t.trim());
  if (names.length === 0 || !names.every((n): n is TargetName => (TARGETS as readonly string[]).includes(n))) return undefined;
  return [...new Set(names)];
}

const OPTIONS = {
  target: { type: 'string' },
  url: { type: 'string' },
  label: { type: 'string' },
  suite: { type: 'string', default: 'active' },
  'spec-version': { type: 'string', default: '2025-11-25' },
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
