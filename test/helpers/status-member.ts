import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** A loopback "MCP server" that answers every request with one HTTP status, until it is told to pass them on. */
export interface StatusMember {
  readonly url: string;
  /** JSON-RPC methods of the POSTs it received, in order. */
  readonly methods: string[];
  /** From now on, requests go to `target` (a real MCP endpoint answering JSON), status and body as it answers. */
  passTo(target: string): void;
  close(): Promise<void>;
}

/**
 * Starts one answering `status` (401 with a Bearer challenge, 503, …) with a JSON-RPC-looking body, which must not
 * be read as era evidence: the body of an auth wall or a server failure is not the MCP server's (probeClassifier).
 */
export async function startStatusMember(status: number): Promise<StatusMember> {
  const methods: string[] = [];
  let target: string | undefined;
  const http: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      try {
        methods.push(String((JSON.parse(body) as { method?: unknown }).method));
      } catch {
        methods.push('');
      }
      if (target) return void pass(target, req.method ?? 'GET', req.headers, body).then(
        ({ status: s, headers, text }) => res.writeHead(s, headers).end(text),
        () => res.destroy(),
      );
      const headers: Record<string, string> = { 'content-type': 'application/json' };
      if (status === 401) headers['www-authenticate'] = 'Bearer error="invalid_token"';
      res.writeHead(status, headers).end(JSON.stringify({ jsonrpc: '2.0', id: null, error: { code: -32601, message: 'Method not found' } }));
    });
  });
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  const { port } = http.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/mcp`,
    methods,
    passTo: (url) => void (target = url),
    close: () => new Promise<void>((resolve) => {
      http.closeAllConnections();
      http.close(() => resolve());
    }),
  };
}

async function pass(url: string, method: string, incoming: Record<string, string | string[] | undefined>, body: string) {
  const headers = new Headers();
  for (const [name, value] of Object.entries(incoming)) if (typeof value === 'string' && name !== 'host' && name !== 'content-length') headers.set(name, value);
  const res = await fetch(url, { method, headers, ...(method === 'POST' ? { body } : {}) });
  const out: Record<string, string> = {};
  for (const [name, value] of res.headers) if (name !== 'content-length' && name !== 'transfer-encoding') out[name] = value;
  return { status: res.status, headers: out, text: await res.text() };
}
