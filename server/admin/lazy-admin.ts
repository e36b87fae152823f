import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { renderHttpError, toGatewayError } from '../errors/index.js';
import type { AdminDeps } from './app.js';
import { answerProbe } from './probes.js';

type Handler = (req: IncomingMessage, res: ServerResponse) => void;

/**
 * The admin API's request handler, built on its first request: express and the admin routes are resident memory
 * that an idle gateway nobody administers never needs (issue #20; docs/benchmarks.md, "Idle memory"). The listener
 * accepts at once; a request that arrives while the app loads waits for it, its body unread in the socket until
 * express reads it. Health probes never load it (probes.ts): loading express is ~50 modules evaluated in one turn
 * of the event loop, which the first admin request pays, not every orchestrator's first probe.
 */
export function lazyAdminHandler(deps: AdminDeps): Handler {
  let app: Promise<Handler> | undefined;
  const load = () => (app ??= import('./app.js').then((m) => m.createAdminApp(deps)));
  return function adminHandler(req: IncomingMessage, res: ServerResponse): void {
    if (answerProbe(req, res, deps.ready)) return;
    load().then(
      (handle) => handle(req, res),
      // Only a broken install gets here (the module cannot be read); the request still gets an answer.
      (err: unknown) => renderHttpError(res, toGatewayError(err), randomUUID()),
    );
  };
}
