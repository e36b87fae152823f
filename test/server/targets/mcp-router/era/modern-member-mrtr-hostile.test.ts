import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { text as readText } from 'node:stream/consumers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { ElicitRequestSchema } from '@modelcontextprotocol/sdk/types.js';
import { startTestGateway, waitFor, type TestGateway } from '../../../../helpers/gateway.js';
import { startLoopProbe } from '../../../../helpers/loop-probe.js';
import { addMcpServer, connectMcp } from '../../../../helpers/mcp.js';

// A 2026-07-28 member, written by hand, that answers tools/call with input_required results a spec-following server
// never sends (mrtr.mdx §Server Requirements): asking what the client did not declare, a flood of input requests, a
// request of a kind MRTR does not have, a result with nothing to act on. agate refuses each with
// GW_ERR_MCP_MEMBER_INPUT_REQUIRED naming the member and what was wrong, and asks the client nothing. `resume`
// answers with a requestState alone: the retry echoes it and carries no inputResponses.

const FLOOD = 10_000;
const elicit = { method: 'elicitation/create', params: { mode: 'form', message: 'Sure?', requestedSchema: { type: 'object', properties: {} } } };

/** The input_required result each hostile tool answers with. */
const ANSWERS: Record<string, Record<string, unknown>> = {
  nosy: { inputRequests: { where: { method: 'roots/list' } } },
  flood: { inputRequests: Object.fromEntries(Array.from({ length: FLOOD }, (_, i) => [`q${i}`, elicit])) },
  weird: { inputRequests: { run: { method: 'tools/call', params: { name: 'x' } } } },
  empty: {},
  url: { inputRequests: { link: { method: 'elicitation/create', params: { mode: 'url', url: 'https://example.com/x', message: 'Open it' } } } },
};

describe('a 2026-only member sending input_required results agate cannot bridge', () => {
  let gw: TestGateway;
  let member: Server;
  const calls: Array<Record<string, any>> = [];
  let client: Client;
  let asked = 0;

  beforeAll(async () => {
    member = createServer((req, res) => {
      void readText(req).then((body) => {
        const msg = JSON.parse(body || 'null');
        const reply = (result: unknown) => res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ jsonrpc: '2.0', id: msg.id, result }));
        if (msg?.method === 'server/discover') return reply({ resultType: 'complete', supportedVersions: ['2026-07-28'], capabilities: { tools: {} } });
        if (msg?.method === 'tools/list') return reply({ resultType: 'complete', tools: [...Object.keys(ANSWERS), 'resume'].map((name) => ({ name, inputSchema: { type: 'object' } })) });
        if (msg?.method !== 'tools/call') return res.writeHead(400, { 'content-type': 'application/json' }).end('{}');
        calls.push(msg);
        const name = msg.params.name as string;
        if (name === 'resume' && msg.params.requestState === undefined) return reply({ resultType: 'input_required', requestState: 'come-back' });
        if (name === 'resume') return reply({ resultType: 'complete', content: [{ type: 'text', text: `resumed ${msg.params.requestState} ${'inputResponses' in msg.params}` }] });
        reply({ resultType: 'input_required', ...ANSWERS[name] });
      });
    });
    await new Promise<void>((resolve) => member.listen(0, '127.0.0.1', resolve));
    const { port } = member.address() as AddressInfo;
    gw = await startTestGateway({ gateway: { mcp: { eraProbe: { probeTimeoutMs: 5_000 } } } });
    await addMcpServer(gw, { name: 'evil', backend: { kind: 'remote', url: `http://127.0.0.1:${port}/mcp`, transport: 'streamable-http', headers: {} } });
    await waitFor(() => gw.registry.memberEras.get('evil')?.era === 'modern' || undefined, 'the member learnt as modern');
    // Form elicitation only: no roots, no URL mode.
    client = await connectMcp(gw, 'evil', { capabilities: { elicitation: { form: {} } } });
    client.setRequestHandler(ElicitRequestSchema, async () => {
      asked++;
      return { action: 'accept', content: {} };
    });
  }, 30_000);

  afterAll(async () => {
    await client?.close();
    await gw?.stop();
    member?.closeAllConnections();
    await new Promise((resolve) => member?.close(resolve));
  });

  it.each([
    ['nosy', /input "where" \(roots\/list\) needs the client capability roots, which the client did not declare/],
    ['url', /input "link" \(elicitation\/create\) needs the client capability elicitation\.url/],
    ['flood', /asks 10000 inputs at once \(at most 32\)/],
    ['weird', /input "run" is not an elicitation\/create, sampling\/createMessage or roots\/list request/],
    ['empty', /neither inputRequests nor requestState/],
  ])('%s: refused with GW_ERR_MCP_MEMBER_INPUT_REQUIRED saying why, the client asked nothing, the loop free', async (tool, why) => {
    const loop = startLoopProbe();
    const err = await client.callTool({ name: tool, arguments: {} }).then(
      () => undefined,
      (e: unknown) => e as { code: number; message: string; data?: Record<string, unknown> },
    );
    expect(loop.stop()).toBeLessThan(400);
    expect(err).toMatchObject({ code: -32603, data: { code: 'GW_ERR_MCP_MEMBER_INPUT_REQUIRED', server: 'evil' } });
    expect(err?.message).toMatch(why);
    expect(err?.message).toContain('MCP server evil answered tools/call');
    expect(asked).toBe(0);
    // Never retried.
    expect(calls.filter((c) => c.params.name === tool)).toHaveLength(1);
  });

  it('a requestState alone is echoed on an immediate retry, with no inputResponses (mrtr.mdx §Client Requirements)', async () => {
    const result = await client.callTool({ name: 'resume', arguments: {} });
    expect(result.content).toEqual([{ type: 'text', text: 'resumed come-back false' }]);
    const [first, retry] = calls.filter((c) => c.params.name === 'resume');
    expect(retry!.id).not.toBe(first!.id);
    expect(asked).toBe(0);
  });
});
