import type { Filter } from '../pipeline/index.js';
import { respond } from './respond.js';

/** A fixed answer. */
export interface DirectResponseConfig {
  readonly status: number;
  readonly body: string;
  readonly contentType: string;
}

/** Answers with a fixed status and body (mocks, maintenance pages, health endpoints). */
export function directResponse(config: DirectResponseConfig): Filter {
  const reply = Object.freeze({ status: config.status, headers: Object.freeze({ 'content-type': config.contentType }), body: config.body });
  return async function respondDirectly(ctx) {
    respond(ctx, reply);
  };
}
