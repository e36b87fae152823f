import { Counter, Gauge, Histogram, Registry } from 'prom-client';

/** The gateway's Prometheus series; one instance per gateway (tests run several in one process). */
export class GatewayMetrics {
  readonly registry = new Registry();
  readonly requests = new Counter({
    name: 'agate_http_requests_total',
    help: 'HTTP requests by route, status and response flag',
    labelNames: ['route', 'status', 'flag'] as const,
    registers: [this.registry],
  });
  readonly latency = new Histogram({
    name: 'agate_http_request_duration_seconds',
    help: 'Time from request arrival to the end of the response, by route',
    labelNames: ['route'] as const,
    buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [this.registry],
  });
  readonly reloads = new Counter({
    name: 'agate_config_reloads_total',
    help: 'Snapshot rebuilds by result (ok or rejected)',
    labelNames: ['result'] as const,
    registers: [this.registry],
  });
  readonly configVersion = new Gauge({
    name: 'agate_config_version',
    help: 'Registry config version of the snapshot being served',
    registers: [this.registry],
  });
}
