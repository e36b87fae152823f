import { Worker } from 'node:worker_threads';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { packageRoot } from '../../registry/index.js';
import type { PositionedProblem } from './rest-config-positions.js';
import type { OpenApiOptions } from './openapi-check.js';

/** What the worker checks: a REST-to-MCP config text, or with `openapi` an OpenAPI spec to convert. */
export interface ConfigCheckInput {
  readonly text: string;
  readonly openapi?: OpenApiOptions;
}

/** What the worker says about a pasted config: its problems, or what is needed to store it (and the conversion's warnings). */
export type ConfigVerdict =
  | { ok: false; problems: PositionedProblem[] }
  | { ok: true; kind: 'server' | 'toolSet' | 'mcpProxy'; name: string; source: Record<string, unknown>; filledSecrets: string[]; warnings: string[] };

/** How long and how much memory one check may take before it is abandoned. */
const LIMITS = { timeoutMs: 15_000, maxOldGenerationSizeMb: 256 };

/** The worker's compiled file: beside this one in dist/, or in dist/ when running from sources (tests). */
function workerFile(): string {
  const here = fileURLToPath(import.meta.url);
  return here.endsWith('.ts') ? join(packageRoot(), 'dist', 'server', 'admin', 'rest-config-worker.js') : join(here, '..', 'rest-config-worker.js');
}

/**
 * Checks a REST-to-MCP config text (or converts an OpenAPI spec) in a worker thread: YAML parsing, `$ref`
 * inlining and schema compilation of a large or hostile paste (an alias bomb, absurd nesting, a `$ref` explosion,
 * thousands of tools) cost the worker, never the event loop. A check that runs out of time or memory is a problem
 * of the text.
 */
export function checkRestConfigInWorker(input: ConfigCheckInput): Promise<ConfigVerdict> {
  // One check at a time: each worker may take up to its memory limit, so many at once must not add up.
  const run = queue.then(() => runWorker(input));
  queue = run.then(() => undefined);
  return run;
}

let queue: Promise<void> = Promise.resolve();

function runWorker(input: ConfigCheckInput): Promise<ConfigVerdict> {
  return new Promise((resolve) => {
    const worker = new Worker(workerFile(), { workerData: input, resourceLimits: { maxOldGenerationSizeMb: LIMITS.maxOldGenerationSizeMb } });
    const refuse = (message: string) => resolve({ ok: false, problems: [{ message }] });
    const timer = setTimeout(() => {
      void worker.terminate();
      refuse(`the config took longer than ${LIMITS.timeoutMs / 1000} s to check`);
    }, LIMITS.timeoutMs);
    worker.once('message', (v: ConfigVerdict) => resolve(v));
    worker.once('error', (err) => refuse(`the config could not be checked: ${err.message}`));
    worker.once('exit', () => clearTimeout(timer));
  });
}
