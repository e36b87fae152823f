import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestGateway, type TestGateway } from '../../../../helpers/gateway.js';
import { fixtureServer } from '../../../../helpers/mcp-fixture-server.js';
import { addMcpServer } from '../../../../helpers/mcp.js';
import { envelope, modernPost } from '../../../../helpers/mcp-modern.js';

// The caller's address is a fact of each request, not of the session that serves it: one consumer calling from
// two machines (through a trusted proxy) is seen at each machine's address, even when its kept session is reused.
describe('the caller address of 2026 requests', () => {
  let gw: TestGateway;
  let key = '';

  beforeAll(async () => {
    gw = await startTestGateway({ gateway: { trustedProxies: ['127.0.0.1'], hostedServers: new Map([['fixture', fixtureServer('fixture', { down: false, created: 0, cancelled: 0 })]]) } });
    gw.registry.consumers.store.create({ name: 'alice', groups: [] }, 'cli');
    key = gw.registry.consumers.issueKey('alice', 'cli').key;
    await addMcpServer(gw, { name: 'fx', backend: { kind: 'hosted', server: 'fixture', settings: {}, secretSettings: {} } });
  });
  afterAll(async () => {
    await gw?.stop();
  });

  it('each request is seen at its own X-Forwarded-For address', async () => {
    const whoami = (ip: string) => modernPost(gw, 'fx', { method: 'tools/call', params: { name: 'whoami', arguments: {}, _meta: envelope() } }, { 'x-api-key': key, 'x-forwarded-for': ip });
    for (const ip of ['10.0.0.1', '10.0.0.2', '10.0.0.1']) {
      const r = await whoami(ip);
      expect(r.json.result.content[0].text).toBe(ip);
    }
  });
});
