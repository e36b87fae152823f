import { createServer, request, type IncomingHttpHeaders, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** One request as the balancer passed it on. */
export interface BalancedRequest {
  method: string;
  path: string;
  /** Index of the backend that answered it. */
  backend: number;
  headers: IncomingHttpHeaders;
}

/** A loopback HTTP load balancer: every request to the next backend in turn, no stickiness of any kind. */
export interface RoundRobinBalancer {
  url: string;
  /** Every request passed on, in order. */
  readonly log: BalancedRequest[];
  /** The backend the next request goes to (if it is up). */
  peekNext(): number;
  close(): Promise<void>;
}

/** How a balancer deviates from plain round robin (a test that decides where each request lands). */
export interface BalancerOptions {
  /** The backend for this request, instead of the next in turn. */
  readonly pick?: (req: IncomingMessage) => number;
  /** Passes the client's Host on (a public name in front of replicas), instead of the backend's own. */
  readonly keepHost?: boolean;
}

/**
 * Starts the balancer in front of `backends` (base URLs). A backend that refuses the connection (a killed
 * replica) is skipped for the next one, as nginx's `proxy_next_upstream error` does; a backend that dies while
 * answering cuts the client's connection, as a real balancer would.
 */
export async function startRoundRobinBalancer(backends: readonly string[], options: BalancerOptions = {}): Promise<RoundRobinBalancer> {
  const log: BalancedRequest[] = [];
  let next = 0;
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      const attempt = (tries: number) => {
        const index = options.pick?.(req) ?? next;
        next = (index + 1) % backends.length;
        const target = new URL(req.url ?? '/', backends[index]);
        const host = options.keepHost ? req.headers.host : target.host;
        const out = request(target, { method: req.method, headers: { ...req.headers, host }, agent: false }, (answer) => {
          log.push({ method: req.method ?? '', path: req.url ?? '', backend: index, headers: req.headers });
          res.writeHead(answer.statusCode ?? 502, answer.headers);
          answer.pipe(res);
          answer.on('error', () => res.destroy());
          answer.on('aborted', () => res.destroy());
        });
        out.on('error', (err: NodeJS.ErrnoException) => {
          if (res.headersSent) return void res.destroy();
          if (err.code === 'ECONNREFUSED' && tries < backends.length) return attempt(tries + 1);
          res.writeHead(502).end(err.message);
        });
        res.on('close', () => out.destroy());
        out.end(body);
      };
      attempt(1);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    log,
    peekNext: () => next,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
