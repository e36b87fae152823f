import type { IncomingMessage, ServerResponse } from 'node:http';

/**
 * The admin listener's health probes, `/healthz` (the process answers) and `/readyz` (a config is served), as
 * orchestrators and load balancers poll them: open (no token, any Host), GET or HEAD, and answered without the
 * admin app, so probing an idle gateway never loads express (docs/benchmarks.md, "Idle memory"). Answers the
 * request and returns true when it is a probe; false leaves it to the admin app.
 */
export function answerProbe(req: IncomingMessage, res: ServerResponse, ready: () => boolean): boolean {
  if (req.method !== 'GET' && req.method !== 'HEAD') return false;
  const path = (req.url ?? '').split('?', 1)[0]!.replace(/\/$/, '').toLowerCase();
  let status = 200;
  let body: unknown = { ok: true };
  if (path === '/readyz') {
    const isReady = ready();
    [status, body] = [isReady ? 200 : 503, { ready: isReady }];
  } else if (path !== '/healthz') return false;
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text) });
  res.end(req.method === 'HEAD' ? undefined : text);
  return true;
}
