/**
 * The worker side of `agate serve --workers N`: a whole gateway (data plane only) that answers its primary's
 * questions over the cluster IPC channel and forwards access-log lines while someone watches the live feed.
 */
import type { AccessEntry } from '../observability/access-feed.js';
import { metricsSummary } from '../admin/metrics-summary.js';
import { isAgateMessage, type ToPrimary, type ToWorker } from './messages.js';
import type { WorkerParts, WorkerRole } from './worker-role.js';

/** The role a gateway takes when this process was forked by a `--workers` primary. */
export function clusterWorkerRole(): WorkerRole {
  const send = (m: ToPrimary) => {
    // The channel closes when the primary goes; the worker then drains (see serve), nothing to send to.
    if (process.connected) process.send!(m);
  };
  return {
    primaryPid: process.ppid,
    attach(parts, url) {
      let unsubscribe: (() => void) | undefined;
      process.on('message', (m: unknown) => {
        if (!isAgateMessage<ToWorker>(m)) return;
        if (m.agate === 'feed') {
          unsubscribe?.();
          unsubscribe = m.on ? parts.accessFeed.subscribe((entry: AccessEntry) => send({ agate: 'access', entry })) : undefined;
          return;
        }
        void answer(parts, m.what).then((value) => send({ agate: 'reply', id: m.id, value }));
      });
      send({ agate: 'ready', url });
    },
  };
}

/** The worker's metrics as prom-client JSON (the primary sums them), or its status with its request count. */
async function answer(parts: WorkerParts, what: 'metrics' | 'status'): Promise<unknown> {
  if (what === 'metrics') return parts.metrics.registry.getMetricsAsJSON();
  const { requests, errors } = await metricsSummary(parts.metrics.registry);
  return { ...parts.status(), requests, errors, mcpServers: parts.mcpServers() };
}
