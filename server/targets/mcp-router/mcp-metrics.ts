import { Counter, Histogram, type Registry } from 'prom-client';

/** The MCP router's series, registered on the gateway's metrics registry. */
export class McpMetrics {
  readonly toolCalls: Counter<'server' | 'tool' | 'consumer' | 'outcome'>;
  readonly toolCallDuration: Histogram<'server' | 'tool'>;
  readonly sessions: Counter<'server' | 'event'>;

  constructor(registry: Registry) {
    this.toolCalls = new Counter({
      name: 'agate_mcp_tool_calls_total',
      help: 'tools/call requests by server, tool, consumer and outcome (ok, tool_error, error, denied, rate_limited, cancelled)',
      labelNames: ['server', 'tool', 'consumer', 'outcome'] as const,
      registers: [registry],
    });
    this.toolCallDuration = new Histogram({
      name: 'agate_mcp_tool_call_duration_seconds',
      help: 'Time from a tools/call reaching the router to its result, by server and tool',
      labelNames: ['server', 'tool'] as const,
      buckets: [0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5, 30, 120],
      registers: [registry],
    });
    this.sessions = new Counter({
      name: 'agate_mcp_sessions_total',
      help: 'MCP session lifecycle events by server (opened, closed, expired)',
      labelNames: ['server', 'event'] as const,
      registers: [registry],
    });
  }
}
