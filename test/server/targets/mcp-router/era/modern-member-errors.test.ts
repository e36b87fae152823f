import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startModernConformanceServer, type RunningModernConformanceServer } from '../../../../fixtures/conformance-server-2026/index.js';
import { startTestGateway, waitFor, type TestGateway } from '../../../../helpers/gateway.js';
import { addMcpServer } from '../../../../helpers/mcp.js';
import { META, envelope, modernPost } from '../../../../helpers/mcp-modern.js';

// A 2026 member's protocol refusal relayed to a 2026 client, as the conformance suite's server-stateless scenario
// checks it (SEP-2575: MissingRequiredClientCapabilityError is -32021, `data.requiredCapabilities` a
// ClientCapabilities object, and on HTTP a 400). The member is the 2026 conformance fixture, refusing
// `test_missing_capability` for a client that did not declare sampling.

const remote = (url: string) => ({ kind: 'remote' as const, url, transport: 'streamable-http' as const, headers: {}, secretHeaders: {} });

describe("a 2026 member's -32021 through agate", () => {
  let gw: TestGateway;
  let member: RunningModernConformanceServer;

  beforeAll(async () => {
    member = await startModernConformanceServer();
    gw = await startTestGateway({ gateway: { mcp: { eraProbe: { probeTimeoutMs: 5_000 } } } });
    await addMcpServer(gw, { name: 'conf', backend: remote(member.url) });
    await waitFor(() => gw.registry.memberEras.get('conf')?.era === 'modern', 'the member learnt as modern');
  }, 30_000);

  afterAll(async () => {
    await gw?.stop();
    await member?.close();
  });

  const refusal = () =>
    modernPost(gw, 'conf', { id: 41, method: 'tools/call', params: { name: 'test_missing_capability', arguments: {}, _meta: envelope({ [META.clientCapabilities]: {} }) } });

  it('reaches the client with its code, its data and the request id', async () => {
    const { json } = await refusal();
    expect(json).toMatchObject({ id: 41, error: { code: -32021, data: { requiredCapabilities: { sampling: {} } } } });
  });

  it('is answered HTTP 400, as SEP-2575 requires of MissingRequiredClientCapabilityError', async () => {
    const { status } = await refusal();
    expect(status).toBe(400);
  });
});
