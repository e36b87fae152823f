import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRestMcpServer } from '../../servers/rest-to-mcp/index.js';
import { startUpstream, type LoopbackUpstream } from '../helpers/loopback-upstream.js';
import { compile } from '../servers/rest-to-mcp/helpers.js';
import { connectPair } from '../servers/shared/mcp-pair.js';
import { HIGRESS_REQUEST_CASES } from './higress-request-cases.js';

// Every header line as it arrived (rawHeaders keeps duplicates that req.headers would merge or drop).
let raw: string[][] = [];
let upstream: LoopbackUpstream;
beforeAll(async () => {
  upstream = await startUpstream('higress-cases', (req, res) => {
    raw.push(req.rawHeaders);
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end('{"ok":true}');
  });
});
afterAll(() => upstream.close());

const ORIGINS = ['https://restapi.amap.com', 'https://example.com', 'http://api.example.com'];

function headerValues(rawHeaders: string[], name: string): string[] {
  const out: string[] = [];
  for (let i = 0; i < rawHeaders.length; i += 2) if (rawHeaders[i]!.toLowerCase() === name) out.push(Buffer.from(rawHeaders[i + 1]!, 'latin1').toString('utf8'));
  return out;
}

describe('requests built as Higress builds them (expected values from Higress tests and rest_server.go)', () => {
  it.each(HIGRESS_REQUEST_CASES.map((c) => [c.name, c] as const))('%s', async (_name, c) => {
    raw = [];
    const before = upstream.requests.length;
    const server = createRestMcpServer(compile(c.doc), { originOverrides: Object.fromEntries(ORIGINS.map((o) => [o, upstream.url])) });
    const pair = await connectPair(server);
    try {
      const meta = c.clientHeaders ? { 'io.agate/passthrough-auth': c.clientHeaders } : undefined;
      const result = await pair.call(c.tool ?? 't', c.args, meta);
      expect(result.isError, JSON.stringify(result.content)).toBeFalsy();
    } finally {
      await pair.close();
    }
    const got = upstream.requests.slice(before);
    expect(got, c.source).toHaveLength(1);
    const [req] = got;
    const headers: Record<string, string[]> = {};
    for (const name of Object.keys(c.want.headers)) headers[name] = headerValues(raw[0]!, name);
    expect({ method: req!.method, target: req!.url, headers, body: req!.body }, c.source).toEqual({
      method: c.want.method,
      target: c.want.target,
      headers: c.want.headers,
      body: c.want.body,
    });
  });
});
