import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Client as LegacyClient } from '@modelcontextprotocol/sdk/client/index.js';
import type { Client as ModernClient } from '@modelcontextprotocol/client';
import { startTestGateway, waitFor, type TestGateway } from '../../../../helpers/gateway.js';
import { fixtureServer, type FixtureControl } from '../../../../helpers/mcp-fixture-server.js';
import { addMcpServer, connectMcp } from '../../../../helpers/mcp.js';
import { MODERN, connectModernMcp, envelope, META } from '../../../../helpers/mcp-modern.js';
import { parseSse } from '../../../../helpers/mcp.js';
import { startFakeUpstream, type FakeUpstream } from '../../../../servers/shared/fake-upstream.js';

// One URL, both eras (2026-07-28 basic/versioning.mdx "A dual-era server selects its behavior from how the client
// opens"): the v2 SDK client pinned to 2026-07-28 and the v1 client (2025) use the same /mcp/<name> at the same
// time, as two consumers, against a hosted server, a REST-to-MCP server and a bundle of both.

const text = (r: unknown) => (((r as { content: Array<{ text?: string }> }).content)[0] ?? {}).text;

describe('MCP protocol eras on one endpoint', () => {
  let gw: TestGateway;
  let upstream: FakeUpstream;
  const keys: Record<string, string> = {};
  const open: Array<{ close(): Promise<void> }> = [];
  const control: FixtureControl = { down: false, created: 0, cancelled: 0 };

  beforeAll(async () => {
    upstream = await startFakeUpstream((req) => ({ body: JSON.stringify({ city: new URLSearchParams(req.query).get('city'), temp: 21 }) }));
    gw = await startTestGateway({ gateway: { hostedServers: new Map([['fixture', fixtureServer('fixture', control)]]) } });
    for (const name of ['alice', 'bob']) {
      gw.registry.consumers.store.create({ name, groups: [] }, 'cli');
      keys[name] = gw.registry.consumers.issueKey(name, 'cli').key;
    }
    await addMcpServer(gw, { name: 'fx', backend: { kind: 'hosted', server: 'fixture', settings: {}, secretSettings: {} } });
    const config = {
      server: { name: 'weather' },
      tools: [{ name: 'forecast', description: 'Weather for a city', args: [{ name: 'city', type: 'string', required: true }], requestTemplate: { url: 'https://api.w.example/forecast?city={{.args.city}}', method: 'GET' }, responseTemplate: { body: '{{.city}}:{{.temp}}' } }],
    };
    await addMcpServer(gw, { name: 'weather', backend: { kind: 'rest', config, settings: {}, secretSettings: {}, originOverrides: { 'https://api.w.example': upstream.origin } } });
    await addMcpServer(gw, { name: 'kit', backend: { kind: 'bundle', members: ['fx', 'weather'], separator: '__', prefix: 'always' } });
  });
  afterAll(async () => {
    await Promise.allSettled(open.map((c) => c.close()));
    await gw?.stop();
    await upstream?.close();
  });

  async function modern(path: string, who: string): Promise<ModernClient> {
    const c = await connectModernMcp(gw, path, { headers: { 'x-api-key': keys[who]! } });
    open.push(c);
    return c;
  }
  async function legacy(path: string, who: string): Promise<LegacyClient> {
    const c = await connectMcp(gw, path, { headers: { 'x-api-key': keys[who]! } });
    open.push(c);
    return c;
  }

  it.each([
    ['fx', 'echo', { text: 'hi' }, 'echo:hi'],
    ['weather', 'forecast', { city: 'Oslo' }, 'Oslo:21'],
    ['kit', 'fx__echo', { text: 'hi' }, 'echo:hi'],
    ['kit', 'weather__forecast', { city: 'Oslo' }, 'Oslo:21'],
  ])('%s: a 2026 client (alice), a 2025 client (bob) and a 2024-11-05 HTTP+SSE client list and call %s at once', async (path, tool, args, expected) => {
    const [m, l, sse] = await Promise.all([modern(path, 'alice'), legacy(path, 'bob'), connectMcp(gw, path, { transport: 'sse', headers: { 'x-api-key': keys.bob! } })]);
    open.push(sse);
    expect(text(await sse.callTool({ name: tool, arguments: args }))).toBe(expected);
    expect(m.getNegotiatedProtocolVersion()).toBe(MODERN);
    expect(l.getServerVersion()?.name).toBe(path);
    const [mTools, lTools] = await Promise.all([m.listTools(), l.listTools()]);
    expect(mTools.tools.map((t) => t.name).sort()).toEqual(lTools.tools.map((t) => t.name).sort());
    expect(mTools.tools.map((t) => t.name)).toContain(tool);
    const [mr, lr] = await Promise.all([m.callTool({ name: tool, arguments: args }), l.callTool({ name: tool, arguments: args })]);
    expect(text(mr)).toBe(expected);
    expect(text(lr)).toBe(expected);
  });

  it('serves resources and prompts of a hosted server to a 2026 client, names mapped through a bundle', async () => {
    const m = await modern('kit', 'alice');
    const resources = await m.listResources();
    expect(resources.resources.map((r) => r.uri)).toEqual(['fx+fixture://greeting']);
    const read = await m.readResource({ uri: 'fx+fixture://greeting' });
    expect(read.contents[0]).toMatchObject({ text: 'hello resource' });
    const prompts = await m.listPrompts();
    expect(prompts.prompts.map((p) => p.name)).toEqual(['fx__greet']);
    const prompt = await m.getPrompt({ name: 'fx__greet', arguments: { who: 'ann' } });
    expect(prompt.messages[0]?.content).toEqual({ type: 'text', text: 'greet ann' });
  });

  it('answers server/discover from the members: capabilities, identity, versions of both eras', async () => {
    const m = await modern('fx', 'alice');
    expect(m.getServerVersion()).toMatchObject({ name: 'fx' });
    expect(m.getServerCapabilities()).toMatchObject({ tools: {}, resources: {}, prompts: {} });
    expect(m.getInstructions()).toBe('use fixture');
  });

  it('a v2 client on version negotiation "auto" selects 2026-07-28, not the initialize fallback', async () => {
    const c = await connectModernMcp(gw, 'weather', { headers: { 'x-api-key': keys.alice! }, mode: 'auto' });
    open.push(c);
    expect(c.getNegotiatedProtocolVersion()).toBe(MODERN);
    expect(text(await c.callTool({ name: 'forecast', arguments: { city: 'Rome' } }))).toBe('Rome:21');
  });

  it('streams a call’s progress to a 2026 client on the request’s own SSE stream, then the result', async () => {
    const m = await modern('fx', 'alice');
    const seen: number[] = [];
    const r = await m.callTool({ name: 'slow', arguments: { steps: 3 } }, { onprogress: (p) => void seen.push(p.progress) });
    expect(text(r)).toBe('done:3');
    expect(seen).toEqual([1, 2, 3]);
  });

  const raw = (body: Record<string, unknown>, signal?: AbortSignal) =>
    fetch(`${gw.url}/mcp/fx`, {
      method: 'POST',
      signal,
      headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream', 'mcp-protocol-version': MODERN, 'mcp-method': 'tools/call', 'mcp-name': String((body.params as { name: string }).name), 'x-api-key': keys.alice! },
      body: JSON.stringify({ jsonrpc: '2.0', id: 5, method: 'tools/call', ...body }),
    });

  it('sends log messages only to a request that set io.modelcontextprotocol/logLevel (logging.mdx)', async () => {
    const quiet = await raw({ params: { name: 'log', arguments: {}, _meta: envelope() } });
    expect(quiet.headers.get('content-type')).toContain('application/json');
    expect((await quiet.json()).result.content[0].text).toBe('logged');
    const loud = await raw({ params: { name: 'log', arguments: {}, _meta: envelope({ [META.logLevel]: 'debug' }) } });
    expect(loud.headers.get('content-type')).toContain('text/event-stream');
    const events = parseSse(await loud.text()).map((e) => JSON.parse(e.data));
    expect(events[0]).toMatchObject({ method: 'notifications/message', params: { level: 'info', data: 'hello from fixture' } });
    expect(events.at(-1)).toMatchObject({ id: 5, result: { resultType: 'complete', content: [{ text: 'logged' }] } });
  });

  it('closing the response stream cancels the call upstream (streamable-http.mdx §Cancellation)', async () => {
    const before = control.cancelled;
    const hanging = control.hanging ?? 0;
    const abort = new AbortController();
    const pending = raw({ params: { name: 'hang', arguments: {}, _meta: envelope() } }, abort.signal).catch((err: unknown) => err);
    await waitFor(() => (control.hanging ?? 0) > hanging, 'the call to run upstream');
    abort.abort();
    await pending;
    await waitFor(() => control.cancelled > before, 'the member to see the cancellation');
  });
});
