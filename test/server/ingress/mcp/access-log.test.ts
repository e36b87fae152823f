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
