import type { Registry } from '../../registry/index.js';
import { MemoryRateLimitStore } from '../rate-limit/index.js';
import { TargetStates } from '../targets/http-proxy/index.js';
import { compileHttp } from './compile-http.js';

/** Compiles upstreams, consumers and routes as a reload would (throwaway state, no health checks), for its problems. */
export function checkHttp(registry: Registry, problems: string[]): void {
  compileHttp(registry, { leadingFilters: [], targets: new Map(), states: new TargetStates(), rateLimits: new MemoryRateLimitStore() }, problems);
}
