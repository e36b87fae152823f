import { spawn } from 'node:child_process';

/** The conformance suite release the project is pinned to (mcp-peers.md §2.1). */
export const CONFORMANCE_PACKAGE = '@modelcontextprotocol/conformance@0.1.16';
/**
 * The release that runs a revision's frozen requirement set (`--requirements 2026-07-28`): 0.1.16 has no
 * 2026-07-28 scenarios. Pinned exactly: an alpha's scenarios change from one release to the next.
 */
export const CONFORMANCE_2026_PACKAGE = '@modelcontextprotocol/conformance@0.2.0-alpha.12';
// The suite's dependencies require Node 22 while agate runs on Node 20, so npx also fetches node@22.
const NODE_PACKAGE = 'node@22';

/** What to run: `conformance server` options. */
export interface SuiteRun {
  /** MCP endpoint under test. */
  url: string;
  /** `active` (scored), `all` (plus pending) or `pending`; ignored when `scenario` is set. */
  suite: string;
  /** Keeps scenarios tagged with this revision (cumulative for date versions). */
  specVersion: string;
  /** Runs only this scenario. */
  scenario?: string;
  /** Runs exactly the scenarios this revision requires (`--requirements`, 0.2 suites): replaces suite and spec version. */
  requirements?: string;
  /** Where the suite writes `server-<scenario>-<timestamp>/checks.json`. */
  outputDir: string;
  /** Kill the whole run (npx, node@22 and the suite) after this long. */
  timeoutMs: number;
  /** Copy the suite's output to stderr as it arrives. */
  echo: boolean;
}

/** How the suite process ended. */
export interface SuiteOutcome {
  /** The argv that was run, for the report. */
  command: string[];
  /** Exit code; null when killed. */
  exitCode: number | null;
  timedOut: boolean;
  /** stdout and stderr, interleaved. */
  output: string;
}

/** The argv of one suite run (`npx -y …`, so it never prompts). */
export function suiteCommand(run: Omit<SuiteRun, 'outputDir' | 'timeoutMs' | 'echo'> & { outputDir?: string }): string[] {
  const suite = run.requirements ? CONFORMANCE_2026_PACKAGE : CONFORMANCE_PACKAGE;
  const args = ['npx', '-y', '-p', NODE_PACKAGE, '-p', suite, '--', 'conformance', 'server', '--url', run.url];
  // A single scenario of a requirement set runs at that revision's wire version, so it keeps --spec-version.
  if (run.scenario) args.push('--scenario', run.scenario, ...(run.requirements ? ['--spec-version', run.requirements] : []));
  else if (run.requirements) args.push('--requirements', run.requirements);
  else args.push('--suite', run.suite, '--spec-version', run.specVersion);
  if (run.outputDir) args.push('-o', run.outputDir);
  return args;
}

/**
 * Runs the suite once. It is started in its own process group so a timeout can end npx and every child it
 * spawned (only that group, which this function created). The suite's own exit code is reported but not
 * trusted for the verdict: the caller judges checks.json files against the project's baseline.
 */
export function runSuite(run: SuiteRun): Promise<SuiteOutcome> {
  const command = suiteCommand(run);
  const [file, ...args] = command as [string, ...string[]];
  const child = spawn(file, args, {
    cwd: run.outputDir, // keeps npx from resolving anything against the project's own package.json
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, NO_COLOR: '1', FORCE_COLOR: '0', npm_config_update_notifier: 'false', npm_config_fund: 'false' },
  });
  let output = '';
  const collect = (chunk: Buffer): void => {
    output += chunk.toString('utf8');
    if (run.echo) process.stderr.write(chunk);
  };
  child.stdout.on('data', collect);
  child.stderr.on('data', collect);

  let timedOut = false;
  const killGroup = (signal: NodeJS.Signals): void => {
    try {
      if (child.pid !== undefined) process.kill(-child.pid, signal);
    } catch {
      // already gone
    }
  };
  const timer = setTimeout(() => {
    timedOut = true;
    killGroup('SIGTERM');
    setTimeout(() => killGroup('SIGKILL'), 5000).unref();
  }, run.timeoutMs);

  return new Promise((resolve, reject) => {
    child.once('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.once('close', (exitCode) => {
      clearTimeout(timer);
      resolve({ command, exitCode, timedOut, output });
    });
  });
}
