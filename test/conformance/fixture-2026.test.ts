import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { startModernConformanceServer, type RunningModernConformanceServer } from '../fixtures/conformance-server-2026/index.js';
import { envelope, META, MODERN } from '../helpers/mcp-modern.js';

// The suite runs from `run-conformance.ts` (Node 22, a download); these tests pin the 2026 fixture's side of the
// contract: the v2 SDK client for the plain calls, raw POSTs for the SEP-2322 rounds, with expected values taken
// from the scenario descriptions of @modelcontextprotocol/conformance 0.2.0-alpha.12.

let fixture: RunningModernConformanceServer;
beforeAll(async () => {
  fixture = await startModernConformanceServer();
});
afterAll(async () => {
  await fixture.close();
});

/** One 2026-07-28 POST with the headers streamable-http.mdx requires; `capabilities` go into the envelope. */
async function post(method: string, params: Record<string, unknown>, capabilities: Record<string, unknown> = {}): Promise<{ status: number; json: any }> {
  const name = params.name;
  const res = await fetch(fixture.url, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      accept: 'application/json, text/event-stream',
      'mcp-protocol-version': MODERN,
      'mcp-method': method,
      ...(typeof name === 'string' ? { 'mcp-name': name } : {}),
    },
    body: JSON.stringify({ jsonrpc: '2.0', id: 7, method, params: { ...params, _meta: envelope({ [META.clientCapabilities]: capabilities }) } }),
  });
  return { status: res.status, json: await res.json() };
}

const call = (name: string, extra: Record<string, unknown> = {}, capabilities: Record<string, unknown> = {}) =>
  post('tools/call', { name, arguments: {}, ...extra }, capabilities);

describe('2026-07-28 conformance fixture', () => {
  it('serves a real 2026 client: the contract tools listed, test_simple_text answered', async () => {
    const client = new Client({ name: 'fixture-2026-test', version: '1.0.0' }, { capabilities: {}, versionNegotiation: { mode: { pin: MODERN } } });
    await client.connect(new StreamableHTTPClientTransport(new URL(fixture.url)));
    try {
      const names = (await client.listTools()).tools.map((t) => t.name);
      expect(names).toEqual(expect.arrayContaining(['test_simple_text', 'test_tool_with_progress', 'test_input_required_result_elicitation', 'test_missing_capability', 'test_trigger_tool_change']));
      const result = await client.callTool({ name: 'test_simple_text', arguments: {} });
      expect(result.content).toEqual([{ type: 'text', text: 'This is a simple text response for testing.' }]);
    } finally {
      await client.close();
    }
  });

  it('asks for the user name with input_required, then greets with the answer (SEP-2322 basic elicitation)', async () => {
    const first = await call('test_input_required_result_elicitation', {}, { elicitation: {} });
    expect(first.json.result).toMatchObject({ resultType: 'input_required', inputRequests: { user_name: { method: 'elicitation/create', params: { requestedSchema: { required: ['name'] } } } } });
    const second = await call('test_input_required_result_elicitation', { inputResponses: { user_name: { action: 'accept', content: { name: 'Alice' } } } }, { elicitation: {} });
    expect(second.json.result.content).toEqual([{ type: 'text', text: 'Hello, Alice!' }]);
  });

  it('carries requestState round to round and refuses a tampered one with -32602', async () => {
    const caps = { elicitation: {} };
    const first = await call('test_input_required_result_request_state', {}, caps);
    const state: string = first.json.result.requestState;
    expect(typeof state).toBe('string');
    const ok = await call('test_input_required_result_request_state', { requestState: state, inputResponses: { confirm: { action: 'accept', content: { ok: true } } } }, caps);
    expect(ok.json.result.content[0].text).toContain('state-ok');
    const tampered = `${state.slice(0, -2)}${state.endsWith('AA') ? 'BB' : 'AA'}`;
    const refused = await call('test_input_required_result_request_state', { requestState: tampered, inputResponses: { confirm: { action: 'accept', content: { ok: true } } } }, caps);
    expect(refused.json.error?.code).toBe(-32602);
  });

  it('refuses test_missing_capability with -32021 and HTTP 400 when sampling is not declared (SEP-2575)', async () => {
    const refused = await call('test_missing_capability');
    expect(refused.status).toBe(400);
    expect(refused.json.error).toMatchObject({ code: -32021, data: { requiredCapabilities: { sampling: {} } } });
    const asked = await call('test_missing_capability', {}, { sampling: {} });
    expect(asked.json.result.resultType).toBe('input_required');
  });

  it('only asks for what the client declared (SEP-2322 capability check)', async () => {
    const onlySampling = await call('test_input_required_result_capabilities', {}, { sampling: {} });
    expect(Object.values(onlySampling.json.result.inputRequests).map((r: any) => r.method)).toEqual(['sampling/createMessage']);
  });

  it('adds test_dynamic_tool to the listing after test_trigger_tool_change', async () => {
    const listed = async (): Promise<string[]> => (await post('tools/list', {})).json.result.tools.map((t: { name: string }) => t.name);
    expect(await listed()).not.toContain('test_dynamic_tool');
    await call('test_trigger_tool_change');
    expect(await listed()).toContain('test_dynamic_tool');
    await call('test_trigger_tool_change'); // back as it was, for the other tests of this file
  });

  it('is modern-only: a 2025 initialize is refused as an unsupported protocol version', async () => {
    const res = await fetch(fixture.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream' },
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'old', version: '1' } } }),
    });
    expect(res.status).toBe(400);
    expect((await res.json()).error.data.supported).toContain(MODERN);
  });
});
