import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import type { JudgedResult, Verdict } from './baseline.js';

/** What was run, for the report header. */
export interface RunInfo {
  /** Short name of what was tested, e.g. `fixture` or `agate`; also keys the docs section. */
  label: string;
  url: string;
  /** The suite argv (npx …). */
  command: string[];
  /** The project command that produced the run, as a user would type it. */
  invocation: string;
  date: Date;
}

const VERDICT_TEXT: Record<Exclude<Verdict, 'not-scored'>, string> = {
  pass: 'pass',
  'expected-failure': 'fail (expected)',
  'unexpected-failure': 'FAIL',
  'stale-baseline': 'pass (STALE baseline entry)',
};

function verdictText(r: JudgedResult): string {
  return r.verdict === 'not-scored' ? `${r.result} (not scored: ${r.notScored ?? ''})` : VERDICT_TEXT[r.verdict];
}

/** A plain-text table for the terminal: scenario, result, check counts, first note. */
export function renderTable(results: readonly JudgedResult[]): string {
  const rows = results.map((r) => [r.scenario, verdictText(r), `${r.passed}/${r.passed + r.failed}`, r.warnings ? String(r.warnings) : '', firstNote(r)]);
  const header = ['scenario', 'result', 'checks', 'warn', 'note'];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i]!.length)));
  const line = (cells: string[]): string => cells.map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i]!))).join('  ').trimEnd();
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n');
}

/** One-line totals, e.g. `30 scenarios: 30 pass, 0 fail (0 expected), 0 stale`. */
export function renderTotals(results: readonly JudgedResult[]): string {
  const n = (v: Verdict): number => results.filter((r) => r.verdict === v).length;
  const failed = n('expected-failure') + n('unexpected-failure');
  const scored = `${results.length - n('not-scored')} scenarios: ${n('pass') + n('stale-baseline')} pass, ${failed} fail (${n('expected-failure')} expected), ${n('stale-baseline')} stale baseline entries`;
  const unscored = results.filter((r) => r.verdict === 'not-scored');
  return unscored.length === 0 ? scored : `${scored}; ${unscored.length} not scored (${unscored.filter((r) => r.result === 'pass').length} pass)`;
}

/** The markdown results section for docs/conformance.md. */
export function renderMarkdown(run: RunInfo, results: readonly JudgedResult[]): string {
  const day = run.date.toISOString().slice(0, 10);
  const rows = results.map((r) => `| \`${r.scenario}\` | ${verdictText(r)} | ${r.passed}/${r.passed + r.failed} | ${escapeCell(r.reason ?? r.notes.join('; '))} |`);
  return [
    `Run on ${day} against **${run.label}** (\`${run.url.replace(/:\d+\//, ':<port>/')}\`) with \`${run.invocation}\`.`,
    `Suite command: \`${run.command.join(' ').replace(/--url \S+/, '--url <url>').replace(/ -o \S+/, '')}\`.`,
    '',
    '| Scenario | Result | Checks passed | Notes |',
    '|---|---|---|---|',
    ...rows,
    '',
    `Totals: ${renderTotals(results)}.`,
  ].join('\n');
}

/** One run's judged results, for the matrix. */
export interface LabelledResults {
  label: string;
  results: readonly JudgedResult[];
}

/**
 * A markdown table with one row per scenario (in the order the runs met them) and one column per run, so the
 * runs of one revision (the quadrants: fixture hosted in agate, remote 2025 member, remote 2026 member) compare
 * at a glance; `–` where a run did not have the scenario; the last row holds each run's totals.
 */
export function renderMatrix(runs: readonly LabelledResults[]): string {
  const scenarios = [...new Set(runs.flatMap((run) => run.results.map((r) => r.scenario)))];
  const byRun = runs.map((run) => new Map(run.results.map((r) => [r.scenario, r])));
  const rows = scenarios.map((scenario) => {
    const cells = byRun.map((results) => {
      const r = results.get(scenario);
      return r ? verdictText(r) : '–';
    });
    return `| \`${scenario}\` | ${cells.join(' | ')} |`;
  });
  return [
    `| Scenario | ${runs.map((run) => run.label).join(' | ')} |`,
    `|---|${runs.map(() => '---|').join('')}`,
    ...rows,
    `| **totals** | ${runs.map((run) => renderTotals(run.results)).join(' | ')} |`,
  ].join('\n');
}

/**
 * Replaces the results section for `label` between its markers in `docPath`, or appends a new section
 * when the markers are not there yet. Everything outside the markers is left as written by hand.
 */
export function writeDocsSection(docPath: string, label: string, markdown: string): void {
  const start = `<!-- conformance-results:${label}:start -->`;
  const end = `<!-- conformance-results:${label}:end -->`;
  const block = `${start}\n${markdown}\n${end}`;
  const current = existsSync(docPath) ? readFileSync(docPath, 'utf8') : '# MCP conformance\n';
  const from = current.indexOf(start);
  const to = current.indexOf(end);
  const next = from >= 0 && to > from ? current.slice(0, from) + block + current.slice(to + end.length) : `${current.trimEnd()}\n\n## Results: ${label}\n\n${block}\n`;
  writeFileSync(docPath, next);
}

function firstNote(r: JudgedResult): string {
  const note = r.reason ?? r.notes[0] ?? '';
  const more = r.reason === undefined && r.notes.length > 1 ? ` (+${r.notes.length - 1} more)` : '';
  return note.length > 100 ? `${note.slice(0, 97)}...${more}` : `${note}${more}`;
}

function escapeCell(text: string): string {
  return text.replace(/\|/g, '\\|').replace(/\n/g, ' ');
}
