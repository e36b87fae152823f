#!/usr/bin/env node
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { startConformanceServer, type RunningConformanceServer } from '../fixtures/conformance-server/index.js';
import { judge, loadBaseline } from './baseline.js';
import { renderMarkdown, renderTable, renderTotals, writeDocsSection } from './report.js';
import { readResults } from './results.js';
import { runSuite } from './suite-process.js';

const USAGE = `Usage: node dist/test/conformance/run-conformance.js [options]

Runs the MCP conformance suite (server scenarios) and compares the results with the baseline.

  --url <url>            endpoint to test (default: start the fixture server and test it directly)
  --label <name>         name of the target in the report and docs section (default: fixture, or "url")
  --suite <name>         active (default, the scored scenarios) | all | pending
  --spec-version <rev>   keep scenarios of this revision (default 2025-11-25)
  --scenario <name>      run one scenario only
  --baseline <path>      expected failures (default test/conformance/expected-failures.json)
  --timeout-ms <n>       kill the suite after this long (default 180000)
  --write-docs           update the results section of docs/conformance.md
  --keep-results <dir>   write the suite's checks.json files here instead of a temp folder
  --verbose              stream the suite's own output to stderr
Exit: 0 all as expected; 1 an unexpected failure or a stale baseline entry; 2 the run itself failed.`;

// Exit codes: 1 means "conformance regressed", 2 means "we could not tell" (timeout, bad input, crash).
const EXIT_MISMATCH = 1;
const EXIT_ERROR = 2;

async function main(): Promise<number> {
  const parsed = parseCli();
  if (!parsed.ok) return fail(`${parsed.errors.join('; ')}\n\n${USAGE}`);
  const values = parsed.value;
  if (values.help) {
    console.log(USAGE);
    return 0;
  }

  const root = projectRoot();
  const timeoutMs = Number(values['timeout-ms']);
  if (!Number.isInteger(timeoutMs) || timeoutMs <= 0) return fail(`--timeout-ms must be a positive integer, got ${values['timeout-ms']}`);
  const baseline = loadBaseline(resolve(root, values.baseline ?? 'test/conformance/expected-failures.json'));
  if (!baseline.ok) return fail(`invalid baseline:\n  ${baseline.errors.join('\n  ')}`);

  const outputDir = values['keep-results'] ? resolve(values['keep-results']) : mkdtempSync(join(tmpdir(), 'agate-conformance-'));
  let fixture: RunningConformanceServer | undefined;
  try {
    fixture = values.url ? undefined : await startConformanceServer({ log: (line) => console.error(line) });
    const url = values.url ?? fixture!.url;
    const label = values.label ?? (values.url ? 'url' : 'fixture');
    // The label names an HTML comment marker in the docs, so keep it to a plain slug.
    if (!/^[a-z0-9][a-z0-9-]*$/.test(label)) return fail(`--label must be a lowercase slug (a-z, 0-9, -), got ${label}`);
    console.error(`conformance: testing ${url} (${values.scenario ? `scenario ${values.scenario}` : `suite ${values.suite}, spec ${values['spec-version']}`})`);
    const run = { url, suite: values.suite, specVersion: values['spec-version'], scenario: values.scenario, outputDir, timeoutMs, echo: values.verbose };
    const outcome = await runSuite(run);
    if (outcome.timedOut) return fail(`the suite did not finish within ${timeoutMs} ms\n${tail(outcome.output)}`);

    const results = readResults(outputDir, outcome.output);
    if (results.length === 0) return fail(`the suite produced no results (exit ${String(outcome.exitCode)})\n${tail(outcome.output)}`);
    const verdict = judge(results, baseline.value);
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
      console.error('conformance: wrote docs/conformance.md');
    }
    return verdict.ok ? 0 : EXIT_MISMATCH;
  } finally {
    await fixture?.close();
    if (!values['keep-results']) rmSync(outputDir, { recursive: true, force: true });
  }
}

const OPTIONS = {
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

function parseCli(): { ok: true; value: ReturnType<typeof parseArgs<{ options: typeof OPTIONS }>>['values'] } | { ok: false; errors: string[] } {
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
