import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestGateway, waitFor, type TestGateway } from '../../helpers/gateway.js';
import { addMcpServer, rawInitialize } from '../../helpers/mcp.js';
import { rawRequest } from '../../helpers/proxy.js';
import { hostedServers } from '../../../servers/index.js';
import { withClock } from '../../fixtures/clock-server.js';

/**
 * Issue 13 §2: nothing is refused before the pipeline. Each refusal an ingress used to answer on its own (LLM body
 * read and model check, MCP Origin/Host check) must leave its access-log line and count in the request metric,
 * like every other refusal. Requests go over raw sockets so nothing in between fixes them up.
 */
describe('refusals inside the pipeline: each one logged and counted', () => {
  let gw: TestGateway;
  let host: string;

  beforeAll(async () => {
    gw = await startTestGateway({ gateway: { hostedServers: withClock(hostedServers), llm: { maxBodyBytes: 4096, bufferedBodyBytes: 4096 } } });
    await addMcpServer(gw, { name: 'time', backend: { kind: 'hosted', server: 'clock', settings: {}, secretSettings: {} } });
    host = new URL(gw.url).host;
  });
  afterAll(async () => {
    await gw?.stop();
  });

  /** The agate_http_requests_total count for `status`, summed over routes and flags (Prometheus text format). */
  async function requestsWithStatus(status: number): Promise<number> {
    const text = await (await fetch(`${gw.adminUrl}/metrics`, { headers: { authorization: `Bearer ${gw.adminToken.token}` } })).text();
    let sum = 0;
    for (const line of text.split('\n')) {
      if (line.startsWith('agate_http_requests_total{') && line.includes(`status="${status}"`)) sum += Number(line.slice(line.lastIndexOf(' ') + 1));
    }
    return sum;
  }

  const accessLine = (kind: string, code: string) => gw.logs.find((l) => l.msg === 'access' && l.kind === kind && l.code === code);

  function llmPost(body: string, extra = ''): string {
    return `POST /v1/chat/completions HTTP/1.1\r\nHost: ${host}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n${extra}Connection: close\r\n\r\n${body}`;
  }

  it.each([
    ['a body over maxBodyBytes', JSON.stringify({ model: 'm', pad: 'x'.repeat(5000) }), 413, 'GW_ERR_BODY_TOO_LARGE'],
    ['a body that is not JSON', '{"model": nope', 400, 'GW_ERR_BAD_REQUEST'],
    ['a body without a model', '{"messages":[]}', 400, 'GW_ERR_BAD_REQUEST'],
  ])('LLM: %s gets its status, an access-log line and a metric', async (_name, body, status, code) => {
    gw.logs.length = 0;
    const before = await requestsWithStatus(status);
    const res = await rawRequest(gw.url, llmPost(body));
    expect(res.status).toBe(status);
    // The OpenAI error shape is unchanged: the catalogue code in error.code.
    expect(res.raw).toContain(`"code":"${code}"`);
    const line = await waitFor(() => accessLine('llm', code), `an access line for ${code}`);
    expect(line).toMatchObject({ method: 'POST', path: '/v1/chat/completions', status });
    expect(await requestsWithStatus(status)).toBe(before + 1);
  });

  it('LLM: a body refused because the body budget is spent gets 503, an access-log line and a metric', async () => {
    gw.logs.length = 0;
    const before = await requestsWithStatus(503);
    // One request declares 4000 bytes and sends none: it holds 4000 of the 4096 bytes the budget allows. It asks for
    // 100-continue, and the gateway sends that only once it reads the body, i.e. after the reservation.
    const holder = connect(Number(new URL(gw.url).port), '127.0.0.1');
    const interim = new Promise<void>((resolve) => holder.on('data', (c) => c.toString('latin1').includes('100 Continue') && resolve()));
    holder.write(`POST /v1/chat/completions HTTP/1.1\r\nHost: ${host}\r\nContent-Type: application/json\r\nContent-Length: 4000\r\nExpect: 100-continue\r\n\r\n`);
    await interim;
    try {
      // 4000 + ~220 bytes > 4096.
      const res = await rawRequest(gw.url, llmPost(JSON.stringify({ model: 'm', pad: 'x'.repeat(200) })));
      expect(res.status).toBe(503);
      expect(res.raw).toContain('"code":"GW_ERR_LLM_BODIES_BUSY"');
      expect(res.raw.toLowerCase()).toContain('retry-after: 1');
      const line = await waitFor(() => accessLine('llm', 'GW_ERR_LLM_BODIES_BUSY'), 'an access line for the busy refusal');
      expect(line).toMatchObject({ status: 503 });
      expect(await requestsWithStatus(503)).toBe(before + 1);
    } finally {
      holder.destroy();
    }
  });

  it.each([
    ['a foreign Origin', (h: string) => `Host: ${h}\r\nOrigin: http://evil.example\r\n`],
    ['a DNS-rebinding Host on a loopback listener', () => 'Host: evil.example\r\n'],
  ])('MCP: %s gets 403 as JSON-RPC, an access-log line and a metric', async (_name, head) => {
    const { sessionId } = await rawInitialize(`${gw.url}/mcp/time`, '2025-11-25');
    gw.logs.length = 0;
    const before = await requestsWithStatus(403);
    const body = JSON.stringify({ jsonrpc: '2.0', id: 7, method: 'ping' });
    const res = await rawRequest(
      gw.url,
      `POST /mcp/time HTTP/1.1\r\n${head(host)}Content-Type: application/json\r\nAccept: application/json, text/event-stream\r\nMcp-Session-Id: ${sessionId}\r\nContent-Length: ${body.length}\r\nConnection: close\r\n\r\n${body}`,
    );
    expect(res.status).toBe(403);
    expect(res.raw).toContain('"code":-32000');
    expect(res.raw).toContain('GW_ERR_MCP_ORIGIN_FORBIDDEN');
    const line = await waitFor(() => accessLine('mcp', 'GW_ERR_MCP_ORIGIN_FORBIDDEN'), 'an access line for the Origin/Host refusal');
    expect(line).toMatchObject({ method: 'POST', path: '/mcp/time', status: 403 });
    expect(await requestsWithStatus(403)).toBe(before + 1);
  });
});
