/** `agate serve --workers N|auto`: the flag, the primary's start and a forked worker's whole life. */
import cluster from 'node:cluster';
import { availableParallelism } from 'node:os';
import type { GatewayOptions, RunningPrimary } from '../../server/index.js';
import { UsageError } from '../context.js';
import { stopOnSignals } from './serve-signals.js';

/** Whether this process was forked by a `--workers` primary. */
export function isClusterWorker(): boolean {
  return cluster.isWorker;
}

/**
 * The worker count from `--workers` (`auto`: one per core). More than one needs Redis: each worker is a replica
 * and, without a shared store, would keep its own MCP sessions and its own limits.
 */
export function parseWorkers(text: string, redisUrl: string | undefined): number {
  const n = text.trim() === 'auto' ? availableParallelism() : Number(text);
  if (!/^(auto|\d+)$/.test(text.trim()) || !Number.isInteger(n) || n < 1 || n > 256) {
    throw new UsageError(`--workers: must be a whole number 1-256 or auto (got "${text}")`);
  }
  if (n > 1 && !redisUrl) {
    throw new UsageError(
      `--workers ${text}: ${n} workers need --redis (or AGATE_REDIS_URL). Each worker is a separate process: without a shared store ` +
        `an MCP session opened on one worker is unknown to the others (its next request answers 404) and every rate limit and quota ` +
        `would admit ${n} times its limit. Start Redis and add --redis redis://127.0.0.1:6379, or run one worker.`,
    );
  }
  return n;
}

/** Starts the primary: forks `workers` data-plane processes and serves the one admin API. */
export async function startWorkers(options: GatewayOptions, workers: number): Promise<RunningPrimary> {
  const { startPrimary } = await import('../../server/index.js');
  return startPrimary({ gateway: options, workers });
}

/** A forked worker: the data plane on the primary's shared port, until SIGTERM or the primary goes. */
export async function serveWorker(options: GatewayOptions): Promise<void> {
  const { startGateway, clusterWorkerRole } = await import('../../server/index.js');
  const gateway = await startGateway({ ...options, worker: clusterWorkerRole() });
  stopOnSignals(gateway, undefined);
}
