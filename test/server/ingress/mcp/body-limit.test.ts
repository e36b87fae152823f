import { request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestGateway, type TestGateway } from '../../../helpers/gateway.js';
import { addMcpServer, rawInitialize } from '../../../helpers/mcp.js';

/** POSTs `body` in 512-byte chunks without a Content-Length (chunked), or with one when `declare` is set. */
function post(url: string, headers: Record<string, string>, body: string, declare: boolean): Promise<{ status: number; json: any }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method: 'POST', headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream', ...headers, ...(declare && { 'content-length': String(Buffer.byteLength(body)) }) } });
    req.on('response', (res) => {
      let text = '';
      res.on('data', (c: Buffer) => (text += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, json: JSON.parse(text) }));
    });
    req.on('error', reject);
    for (let i = 0; i < body.length; i += 512) req.write(body.slice(i, i + 512));
    req.end();
  });
}

describe('MCP request body limit', () => {
  let gw: TestGateway;
  let url: string;
  let session: string;

  beforeAll(async () => {
    gw = await startTestGateway({ gateway: { mcp: { maxBodyBytes: 2048 } } });
    await addMcpServer(gw, { name: 'quark', backend: { kind: 'hosted', server: 'quark-search', settings: {}, secretSettings: {} } });
    url = `${gw.url}/mcp/quark`;
    session = (await rawInitialize(url)).sessionId;
  });
  afterAll(async () => {
    await gw?.stop();
  });

  const call = (text: string) => JSON.stringify({ jsonrpc: '2.0', id: 7, method: 'tools/call', params: { name: 'web_search', arguments: { query: text } } });

  it.each([
    ['declared by Content-Length', true],
    ['seen while reading a chunked body', false],
  ])('refuses a body over maxBodyBytes %s: 413 with the limit named', async (_how, declare) => {
    const res = await post(url, { 'mcp-session-id': session, 'mcp-protocol-version': '2025-06-18' }, call('x'.repeat(4096)), declare);
    expect(res.status).toBe(413);
    expect(res.json).toMatchObject({ jsonrpc: '2.0', id: null, error: { message: 'Request body is larger than 2048 bytes', data: { code: 'GW_ERR_MCP_BODY_TOO_LARGE' } } });
  });

  it('serves a body just under the limit on the same session', async () => {
    const res = await post(url, { 'mcp-session-id': session, 'mcp-protocol-version': '2025-06-18' }, call('y'.repeat(1500)), false);
    expect(res.status).toBe(200);
    expect(res.json).toMatchObject({ jsonrpc: '2.0', id: 7, result: { isError: true } });
  });
});
