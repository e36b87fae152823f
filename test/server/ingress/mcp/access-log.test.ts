import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestGateway, waitFor, type TestGateway } from '../../../helpers/gateway.js';
import { addMcpServer, rawInitialize, rawPost } from '../../../helpers/mcp.js';
import { hostedServers } from '../../../../servers/index.js';
import { withClock } from '../../../fixtures/clock-server.js';

describe('MCP access log', () => {
  let gw: TestGateway;
  let url: string;

  beforeAll(async () => {
    gw = await startTestGateway({ gateway: { hostedServers: withClock(hostedServers) } });
    await addMcpServer(gw, { name: 'time', backend: { kind: 'hosted', server: 'clock', settings: {}, secretSettings: {} } });
    url = `${gw.url}/mcp/time`;
  });
  afterAll(async () => {
    await gw?.stop();
  });

  const accessLines = (method: string) => gw.logs.filter((l) => l.msg === 'access' && l.kind === 'mcp' && l.method === method);

  it('records the status a POST was answered with', async () => {
    const { sessionId } = await rawInitialize(url, '2025-11-25');
    const ok = await rawPost(url, { jsonrpc: '2.0', id: 1, method: 'ping' }, { 'mcp-session-id': sessionId });
    expect(ok.status).toBe(200);
    const notification = await rawPost(url, { jsonrpc: '2.0', method: 'notifications/initialized' }, { 'mcp-session-id': sessionId });
    expect(notification.status).toBe(202);
    await waitFor(() => accessLines('POST').some((l) => l.status === 202), 'the 202 to be logged');
    expect(accessLines('POST').map((l) => l.status)).toEqual(expect.arrayContaining([200, 202]));
    expect(accessLines('POST').every((l) => l.status !== 0)).toBe(true);
  });

  // A refusal the transport makes after the pipeline admitted the request is logged like an auth or route refusal:
  // with its catalogue code and flag (docs/errors.md), and the JSON-RPC id of the request it refuses is echoed.
  const ping = (id: number) => ({ jsonrpc: '2.0', id, method: 'ping' });
  it.each<{ what: string; body: unknown; headers: Record<string, string>; status: number; code: string; id: number | null }>([
    { what: 'invalid JSON', body: '{"jsonrpc":', headers: {}, status: 400, code: 'GW_ERR_MCP_PARSE', id: null },
    { what: 'a call without a session', body: ping(7), headers: {}, status: 400, code: 'GW_ERR_MCP_SESSION_REQUIRED', id: 7 },
    { what: 'an unknown session', body: ping(8), headers: { 'mcp-session-id': 'no-such-session' }, status: 404, code: 'GW_ERR_MCP_SESSION_NOT_FOUND', id: 8 },
    { what: 'an Accept without text/event-stream', body: ping(9), headers: { accept: 'application/json' }, status: 406, code: 'GW_ERR_MCP_NOT_ACCEPTABLE', id: 9 },
  ])('logs $what with its catalogue code and flag', async ({ body, headers, status, code, id }) => {
    const res = await rawPost(url, body, headers);
    expect(res.status).toBe(status);
    expect(await res.json()).toMatchObject({ jsonrpc: '2.0', id, error: { data: { code } } });
    const requestId = res.headers.get('x-request-id');
    const line = await waitFor(() => gw.logs.find((l) => l.msg === 'access' && l.requestId === requestId), 'the refusal to be logged');
    expect({ status: line.status, code: line.code, flag: line.flag }).toEqual({ status, code, flag: 'DPE' });
  });

  it('logs a GET stream when it ends, with its whole duration', async () => {
    const { sessionId } = await rawInitialize(url, '2025-11-25');
    const controller = new AbortController();
    const stream = await fetch(url, { headers: { accept: 'text/event-stream', 'mcp-session-id': sessionId }, signal: controller.signal });
    expect(stream.status).toBe(200);
    const before = accessLines('GET').length;
    await new Promise((r) => setTimeout(r, 300));
    expect(accessLines('GET')).toHaveLength(before);
    controller.abort();
    const line = await waitFor(() => accessLines('GET')[before], 'the stream to be logged once it ended');
    expect(line.status).toBe(200);
    expect(line.durationMs).toBeGreaterThanOrEqual(300);
  });
});
