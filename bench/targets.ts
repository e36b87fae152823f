import { availableParallelism, loadavg } from 'node:os';

/**
 * The targets of issue #20, judged against the same run's figures and printed beside them, so a run says by
 * itself which goals it met. A figure that could not be measured is neither met nor missed.
 */
export interface TargetCheck {
  /** What is measured, e.g. "(c) throughput vs (b) minimal Pool proxy". */
  name: string;
  /** The goal as written in the issue, e.g. "≥ 1.0×". */
  goal: string;
  /** The same-run figure. */
  value: number | undefined;
  unit?: string;
  /** Whether `value` meets the goal. */
  ok: (value: number) => boolean;
}

/** One judged target, as written to bench/results/. */
export interface TargetVerdict {
  name: string;
  goal: string;
  value: number | null;
  verdict: 'met' | 'missed' | 'not measured';
}

const fmtLoad = () => loadavg().map((x) => x.toFixed(2)).join(' ');

/** Judges `checks`, prints them with the current load average and returns the verdicts. */
export function printTargets(title: string, checks: readonly TargetCheck[]): TargetVerdict[] {
  const verdicts = checks.map((c): TargetVerdict => ({
    name: c.name,
    goal: c.goal,
    value: c.value === undefined || Number.isNaN(c.value) ? null : c.value,
    verdict: c.value === undefined || Number.isNaN(c.value) ? 'not measured' : c.ok(c.value) ? 'met' : 'missed',
  }));
  const lines = checks.map((c, i) => {
    const v = verdicts[i]!;
    return `  ${v.verdict === 'met' ? 'met   ' : v.verdict === 'missed' ? 'MISSED' : '  –   '}  ${c.name}: ${v.value ?? '–'}${c.unit ?? ''} (target ${c.goal})`;
  });
  process.stdout.write(`\nTargets (issue #20), ${title}; same-run figures; load average ${fmtLoad()}:\n${lines.join('\n')}\n`);
  // More runnable work than cores: neighbours' bursts land on single paths and no ratio is final, met or missed.
  if (loadavg()[0]! > availableParallelism()) process.stdout.write(`  LOADED MACHINE (1-min load above ${availableParallelism()} cores): these verdicts are not final; rerun on a quiet machine\n`);
  return verdicts;
}

/** Rounds to two decimals. */
export const round2 = (n: number): number => Math.round(n * 100) / 100;

/** Idle RSS after first start, the same goal in every bench that starts a gateway. */
export function idleRssCheck(rssBytes: number | undefined): TargetCheck {
  return { name: 'gateway idle RSS after first start (from /proc)', goal: '≤ 80 MB', value: rssBytes === undefined ? undefined : round2(rssBytes / 2 ** 20), unit: ' MB', ok: (v) => v <= 80 };
}
