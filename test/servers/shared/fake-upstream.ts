import { createServer, type IncomingHttpHeaders, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { once } from 'node:events';

/** What a fake upstream saw: enough to assert the exact request a tool sends. */
export interface RecordedRequest {
  method: string;
  path: string;
  /** Query entries in wire order, decoded. */
  query: Array<[string, string]>;
  headers: IncomingHttpHeaders;
}

/** How the fake answers one request; `hang` never answers (for timeouts and cancellation). */
export type FakeReply =
  | { status?: number; body: string | Buffer; headers?: Record<string, string> }
  | { hang: true };

/** A loopback stand-in for a third-party API (Quark, AMap) speaking its wire format. */
export interface FakeUpstream {
  /** `http://127.0.0.1:<port>`, to use as an origin override. */
  origin: string;
  requests: RecordedRequest[];
  /** Replaces the reply logic for subsequent requests. */
  handle(handler: (req: RecordedRequest) => FakeReply): void;
  /** Resolves when a hung request's connection is closed by the client. */
  nextAbort(): Promise<void>;
  close(): Promise<void>;
}

/** Starts a fake upstream on 127.0.0.1:0 answering with `handler`. */
export async function startFakeUpstream(handler: (req: RecordedRequest) => FakeReply): Promise<FakeUpstream> {
  let current = handler;
  const requests: RecordedRequest[] = [];
  const aborts: Array<() => void> = [];
  const server: Server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://fake');
    const recorded: RecordedRequest = {
      method: req.method ?? '',
      path: url.pathname,
      query: [...url.searchParams.entries()],
      headers: req.headers,
    };
    requests.push(recorded);
    reply(res, current(recorded), () => aborts.shift()?.());
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  return {
    origin: `http://127.0.0.1:${port}`,
    requests,
    handle: (next) => {
      current = next;
    },
    nextAbort: () => new Promise<void>((resolve) => aborts.push(resolve)),
    close: async () => {
      server.closeAllConnections();
      server.close();
      await once(server, 'close');
    },
  };
}

function reply(res: ServerResponse, answer: FakeReply, onAbort: () => void): void {
  if ('hang' in answer) {
    res.on('close', onAbort);
    return;
  }
  const headers = { 'content-type': 'application/json;charset=UTF-8', ...answer.headers };
  res.writeHead(answer.status ?? 200, headers);
  res.end(answer.body);
}

/** A port with nothing listening on it (bound, then released). */
export async function closedPortOrigin(): Promise<string> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  server.close();
  await once(server, 'close');
  return `http://127.0.0.1:${port}`;
}
