import { createServer, type IncomingMessage, type ServerResponse, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** A request the loopback upstream received. */
export interface RecordedRequest {
  method: string;
  url: string;
  headers: IncomingMessage['headers'];
  body: string;
}

/** A real HTTP server on 127.0.0.1:0 that records what it receives. */
export interface LoopbackUpstream {
  url: string;
  port: number;
  server: Server;
  requests: RecordedRequest[];
  close(): Promise<void>;
}

/** Starts an upstream; the default handler answers 200 with `{ upstream: name, method, url }`. */
export async function startUpstream(
  name = 'upstream',
  handler?: (req: IncomingMessage, res: ServerResponse, body: string) => void,
): Promise<LoopbackUpstream> {
  const requests: RecordedRequest[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      requests.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body });
      if (handler) return handler(req, res, body);
      const out = JSON.stringify({ upstream: name, method: req.method, url: req.url });
      res.writeHead(200, { 'content-type': 'application/json', 'x-upstream': name });
      res.end(out);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    server,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
