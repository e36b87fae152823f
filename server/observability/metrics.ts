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
  readonly llmRequests = new Counter({
    name: 'agate_llm_requests_total',
    help: 'LLM calls by route, provider, upstream model and outcome (ok, error, cut, disconnect)',
    labelNames: ['route', 'provider', 'model', 'outcome'] as const,
    registers: [this.registry],
  });
  readonly llmTokens = new Counter({
    name: 'agate_llm_tokens_total',
    help: 'LLM tokens (OpenAI convention) by consumer, route, provider, model and type (prompt, completion, cached, reasoning)',
    labelNames: ['consumer', 'route', 'provider', 'model', 'type'] as const,
    registers: [this.registry],
  });
  readonly llmTtft = new Histogram({
    name: 'agate_llm_time_to_first_token_seconds',
    help: 'Time from request arrival to the first streamed event sent to the client',
    labelNames: ['route', 'provider', 'model'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
    registers: [this.registry],
  });
  readonly llmTimePerOutputToken = new Histogram({
    name: 'agate_llm_time_per_output_token_seconds',
    help: 'Streaming time after the first token divided by the completion tokens after it',
    labelNames: ['route', 'provider', 'model'] as const,
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5],
    registers: [this.registry],
  });
  readonly llmDuration = new Histogram({
    name: 'agate_llm_request_duration_seconds',
    help: 'LLM call duration, arrival to last byte',
    labelNames: ['route', 'provider', 'model'] as const,
    buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120],
    registers: [this.registry],
  });
  readonly registryWritesDeferred = new Counter({
    name: 'agate_registry_writes_deferred_total',
    help: 'Background registry writes (usage, heartbeat) put off because another process held the write lock; retried later',
    labelNames: ['write'] as const,
    registers: [this.registry],
  });
  readonly logWriteFailures = new Counter({
    name: 'agate_log_write_failures_total',
    help: 'Log writes that failed (error: the device refused it, e.g. ENOSPC) or lines dropped because the log buffer was full',
    labelNames: ['kind'] as const,
    registers: [this.registry],
  });
  readonly configVersion = new Gauge({
    name: 'agate_config_version',
    help: 'Registry config version of the snapshot being served',
    registers: [this.registry],
  });
  readonly redisUp = new Gauge({
    name: 'agate_redis_up',
    help: 'Whether the shared runtime store (Redis, agate serve --redis) is connected: 1 up, 0 down; absent without Redis',
    registers: [],
  });
  readonly quotaDecisionsUnderFailure = new Counter({
    name: 'agate_quota_store_failure_decisions_total',
    help: 'Limit checks decided without the shared quota store (Redis down or past its deadline), by fail mode: closed refused, open admitted',
    labelNames: ['mode'] as const,
    registers: [],
  });
}
