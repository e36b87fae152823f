import type { Registry } from 'prom-client';

/** Cumulative request counters since start, for the console's rate, error-rate and latency charts. */
export interface MetricsSummary {
  /** When the figures were read (epoch ms). */
  readonly at: number;
  readonly requests: number;
  /** Requests answered 5xx, or never answered (status 0: the client went away). */
  readonly errors: number;
  /** Sum of request durations, seconds (with `requests`: the mean over any interval). */
  readonly latencySeconds: number;
}

/** The summary from the gateway's own Prometheus series (the same numbers `/metrics` exposes). */
export async function metricsSummary(metrics: Registry): Promise<MetricsSummary> {
  let requests = 0;
  let errors = 0;
  for (const v of (await seriesOf(metrics, 'agate_http_requests_total'))) {
    requests += v.value;
    const status = Number(v.labels.status);
    if (status >= 500 || status === 0) errors += v.value;
  }
  let latencySeconds = 0;
  for (const v of (await seriesOf(metrics, 'agate_http_request_duration_seconds'))) if (v.metricName === 'agate_http_request_duration_seconds_sum') latencySeconds += v.value;
  return { at: Date.now(), requests, errors, latencySeconds };
}

/** A metric's values by name; none when the registry lacks it (a cluster whose workers have not answered yet). */
async function seriesOf(registry: Registry, name: string): Promise<Array<{ value: number; labels: Partial<Record<string, string | number>>; metricName?: string }>> {
  const metric = registry.getSingleMetric(name);
  return metric ? (await metric.get()).values : [];
}
