import { join } from 'node:path';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { startGateway, type GatewayOptions, type RunningGateway } from '../../server/index.js';
import { tempDir } from './temp-dir.js';

/** An in-process gateway on 127.0.0.1:0 with its own temporary registry; logs are captured, not printed. */
export interface TestGateway extends RunningGateway {
  dbPath: string;
  /** Parsed JSON log lines written so far. */
  logs: Array<Record<string, unknown>>;
  /** Closes the gateway and deletes its folder. */
  stop(): Promise<void>;
}

/** Starts a gateway for one test file. */
export async function startTestGateway(
  options: { dbPath?: string; pollMs?: number; gateway?: Partial<Pick<GatewayOptions, 'trustedProxies' | 'rateLimitStore' | 'mcp' | 'hostedServers' | 'llm' | 'host' | 'allowedHosts' | 'clientLimits' | 'adminAllowedHosts' | 'auditRetention' | 'oauth'>> } = {},
): Promise<TestGateway> {
  const tmp = tempDir();
  const dbPath = options.dbPath ?? join(tmp.dir, 'agate.db');
  const logs: Array<Record<string, unknown>> = [];
  const sink = new Writable({
    write(chunk: Buffer, _enc, cb) {
      for (const line of chunk.toString('utf8').split('\n')) if (line) logs.push(JSON.parse(line));
      cb();
    },
  });
  const log = pino({ level: 'info', base: undefined }, sink);
  const gw = await startGateway({ dbPath, port: 0, host: '127.0.0.1', adminPort: 0, pollMs: options.pollMs ?? 10, drainMs: 2000, log, ...options.gateway });
  return Object.assign(gw, {
    dbPath,
    logs,
    async stop() {
      await gw.close();
      tmp.cleanup();
    },
  });
}

/** Polls `fn` until it returns a truthy value or the deadline passes (then throws with `what`). */
export async function waitFor<T>(fn: () => T | Promise<T>, what: string, timeoutMs = 5000): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await fn();
    if (value) return value as NonNullable<T>;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}
