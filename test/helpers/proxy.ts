import { readdirSync } from 'node:fs';
import { connect, createServer, type Server, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import type { Registry } from '../../registry/index.js';
import { waitFor, type TestGateway } from './gateway.js';

/** Writes config through the gateway's registry and waits until the gateway serves exactly that version. */
export async function configure(gw: TestGateway, write: (r: Registry) => void): Promise<void> {
  write(gw.registry);
  const version = gw.registry.version();
  await waitFor(() => gw.snapshots.current()?.version === version || gw.snapshots.status.lastReloadError, `snapshot ${version}`);
  if (gw.snapshots.current()?.version !== version) throw new Error(`snapshot rejected: ${gw.snapshots.status.lastReloadError}`);
}

/** Removes every route, upstream and consumer, so each test starts from a clean registry. */
export async function resetConfig(gw: TestGateway): Promise<void> {
  await configure(gw, (r) => {
    for (const x of r.routes.list()) r.routes.remove(x.name, 'cli');
    for (const x of r.upstreams.list()) r.upstreams.remove(x.name, 'cli');
    for (const x of r.consumers.store.list()) r.consumers.store.remove(x.name, 'cli');
  });
}

/** Open file descriptors of this process (the in-process gateway's sockets included). */
export function fdCount(): number {
  return readdirSync('/proc/self/fd').length;
}

/** Waits until the descriptor count falls back to at most `baseline` (+slack for the runner's own files). */
export async function expectNoFdLeak(baseline: number, slack = 2): Promise<void> {
  await waitFor(() => fdCount() <= baseline + slack, `descriptors back to ${baseline} (now ${fdCount()})`, 5000);
}

/** What a raw-socket exchange produced. */
export interface RawResult {
  /** The status code of the first final (non-1xx) response, or 0 if none arrived. */
  status: number;
  raw: string;
  /** Whether the gateway closed the connection. */
  closed: boolean;
}

/** Sends raw bytes to `url` and reads until the gateway closes the connection (or `timeoutMs`). */
export function rawRequest(url: string, bytes: string | Buffer, timeoutMs = 3000): Promise<RawResult> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), hostname);
    let raw = '';
    const timer = setTimeout(() => finish(false), timeoutMs);
    const finish = (closed: boolean) => {
      clearTimeout(timer);
      socket.destroy();
      // Interim 1xx answers (100 Continue) are skipped: the status is the final one.
      const m = /^(?:HTTP\/1\.1 1\d\d[^\r]*\r\n(?:[^\r]+\r\n)*\r\n)*HTTP\/1\.1 (\d{3})/.exec(raw);
      resolve({ status: m ? Number(m[1]) : 0, raw, closed });
    };
    socket.on('data', (c) => (raw += c.toString('latin1')));
    socket.on('end', () => finish(true));
    socket.on('close', () => finish(true));
    socket.on('error', (err) => ((err as NodeJS.ErrnoException).code === 'ECONNRESET' ? finish(true) : reject(err)));
    socket.write(bytes);
  });
}

/** A TCP server with custom behaviour (black hole, garbage, resets): the faults a real upstream can show. */
export interface ChaosServer {
  url: string;
  server: Server;
  /** Sockets accepted so far. */
  connections: number;
  close(): Promise<void>;
}

/** Starts a raw TCP "upstream" that hands each connection to `onSocket`. */
export async function startChaos(onSocket: (socket: Socket) => void): Promise<ChaosServer> {
  const sockets = new Set<Socket>();
  const chaos: ChaosServer = {
    url: '',
    connections: 0,
    server: createServer((s) => {
      chaos.connections++;
      sockets.add(s);
      s.on('close', () => sockets.delete(s));
      s.on('error', () => undefined);
      onSocket(s);
    }),
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        chaos.server.close(() => resolve());
      }),
  };
  await new Promise<void>((resolve) => chaos.server.listen(0, '127.0.0.1', resolve));
  chaos.url = `http://127.0.0.1:${(chaos.server.address() as AddressInfo).port}`;
  return chaos;
}

/** A loopback port with nothing listening (bound, then released). */
export async function closedPort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((resolve) => s.listen(0, '127.0.0.1', resolve));
  const port = (s.address() as AddressInfo).port;
  await new Promise<void>((resolve) => s.close(() => resolve()));
  return port;
}
