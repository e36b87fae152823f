import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { ElicitRequestSchema, ResourceUpdatedNotificationSchema, ToolListChangedNotificationSchema } from '@modelcontextprotocol/sdk/types.js';
import { startTestGateway, waitFor, type TestGateway } from '../../../../helpers/gateway.js';
import { addMcpServer, connectMcp } from '../../../../helpers/mcp.js';
import { META, MODERN, connectModernMcp, envelope, modernPost } from '../../../../helpers/mcp-modern.js';
import { Client as ModernClient, StreamableHTTPClientTransport as ModernTransport } from '@modelcontextprotocol/client';
import { tempDir } from '../../../../helpers/temp-dir.js';

// A modern-only stdio member (the v2 SDK's serveStdio, legacy rejected) reached by clients of both eras.

const script = fileURLToPath(new URL('../../../../fixtures/stdio/modern-only.mjs', import.meta.url));
const text = (r: unknown) => ((r as { content: Array<{ text?: string }> }).content[0] ?? {}).text;

describe('a 2026-only stdio member', () => {
  let gw: TestGateway;
  let logFile: string;
  const dir = tempDir();
  const open: Array<{ close(): Promise<void> }> = [];
  const seen = (): Array<Record<string, any>> =>
    readFileSync(logFile, 'utf8')
      .split('\n')
      .filter(Boolean)
      .map((line) => JSON.parse(line) as Record<string, any>);

  beforeAll(async () => {
    logFile = join(dir.dir, 'member.log');
    gw = await startTestGateway({ gateway: { mcp: { eraProbe: { probeTimeoutMs: 5_000 } } } });
    await addMcpServer(gw, { name: 'nova', backend: { kind: 'stdio', command: process.execPath, args: [script], env: { MODERN_LOG: logFile } } });
  }, 30_000);

  afterAll(async () => {
    await Promise.allSettled(open.map((c) => c.close()));
    await gw?.stop();
    dir.cleanup();
  });

  async function client(): Promise<Client> {
    const c = await connectMcp(gw, 'nova');
    open.push(c);
    return c;
  }

  it('2025 clients list and call it once its era is learnt; a 2026 client too; the process only ever gets modern requests after that', async () => {
    const first = await client();
    // The process starts on this first use and refuses the 2025 handshake; its era is probed then, and the
    // session's link opens again statelessly at once: the first listing already has the tools.
    expect((await first.listTools()).tools.map((t) => t.name).sort()).toEqual(['ask', 'echo', 'hang', 'touch']);
    expect(gw.registry.memberEras.get('nova')?.era).toBe('modern');
    const before = seen().length;
    const second = await client();
    const modern = await connectModernMcp(gw, 'nova');
    open.push(modern);
    expect((await second.listTools()).tools.map((t) => t.name).sort()).toEqual(['ask', 'echo', 'hang', 'touch']);
    const results = await Promise.all([
      first.callTool({ name: 'echo', arguments: { message: 'one' } }),
      second.callTool({ name: 'echo', arguments: { message: 'two' } }),
      modern.callTool({ name: 'echo', arguments: { message: 'three' } }),
    ]);
    expect(results.map(text)).toEqual(['stdio modern: one', 'stdio modern: two', 'stdio modern: three']);
    const after = seen().slice(before).filter((m) => typeof m.method === 'string' && 'id' in m);
    expect(after.map((m) => m.method)).not.toContain('initialize');
    for (const m of after) expect(m.params?._meta?.[META.protocolVersion]).toBe(MODERN);
  });

  it('MRTR over stdio: alice and bob at once (one shared process) are each asked the member’s question and get their own answer back', async () => {
    const ask = async (ok: boolean) => {
      const c = await connectMcp(gw, 'nova', { capabilities: { elicitation: {} } });
      open.push(c);
      c.setRequestHandler(ElicitRequestSchema, async () => ({ action: 'accept', content: { ok } }));
      return c.callTool({ name: 'ask', arguments: {} });
    };
    const [alice, bob] = await Promise.all([ask(true), ask(false)]);
    expect([text(alice), text(bob)]).toEqual(['stdio confirm: accept {"ok":true}', 'stdio confirm: accept {"ok":false}']);
    // Each retry carried the member's own state and one client's answer, under an id of its own.
    const asks = seen().filter((m) => m.method === 'tools/call' && m.params?.name === 'ask');
    const retries = asks.filter((m) => m.params?.requestState !== undefined);
    expect(asks).toHaveLength(4);
    expect(retries.map((m) => m.params.requestState)).toEqual(['stdio-state', 'stdio-state']);
    expect(retries.map((m) => m.params.inputResponses.confirm.content.ok).sort()).toEqual([false, true]);
    expect(new Set(asks.map((m) => m.id)).size).toBe(4);
  });

  it('MRTR over stdio to 2026 clients (v2 SDK): alice and bob at once get the member’s input_required passed through, and their retries carry their own answers and the member’s state', async () => {
    const before = seen().length;
    const ask = async (ok: boolean) => {
      const c = new ModernClient({ name: `v2-${ok}`, version: '1' }, { capabilities: { elicitation: {} }, versionNegotiation: { mode: { pin: MODERN } } });
      c.setRequestHandler('elicitation/create', async () => ({ action: 'accept', content: { ok } }));
      await c.connect(new ModernTransport(new URL(`${gw.url}/mcp/nova`)));
      open.push(c);
      return c.callTool({ name: 'ask', arguments: {} });
    };
    const [alice, bob] = await Promise.all([ask(true), ask(false)]);
    expect([text(alice), text(bob)]).toEqual(['stdio confirm: accept {"ok":true}', 'stdio confirm: accept {"ok":false}']);
    const retries = seen().slice(before).filter((m) => m.method === 'tools/call' && m.params?.name === 'ask' && m.params.requestState !== undefined);
    expect(retries.map((m) => m.params.requestState)).toEqual(['stdio-state', 'stdio-state']);
    expect(retries.map((m) => m.params.inputResponses).sort((x, y) => Number(x.confirm.content.ok) - Number(y.confirm.content.ok))).toEqual([
      { confirm: { action: 'accept', content: { ok: false } } },
      { confirm: { action: 'accept', content: { ok: true } } },
    ]);
  });

  it('MRTR over stdio, 2026 client: the retry is served by another gateway on the same registry (its own process), nothing parked on the first', async () => {
    const other = await startTestGateway({ dbPath: gw.dbPath, gateway: { mcp: { eraProbe: { probeTimeoutMs: 5_000 } } } });
    try {
      await waitFor(() => other.snapshots.current()?.mcp.servers.has('nova'), 'the second gateway serving');
      const call = (at: TestGateway, more: Record<string, unknown> = {}) =>
        modernPost(at, 'nova', { method: 'tools/call', params: { name: 'ask', arguments: {}, ...more, _meta: envelope({ [META.clientCapabilities]: { elicitation: {} } }) } });
      const first = (await call(gw)).json.result;
      expect(first.resultType).toBe('input_required');
      expect(first.requestState).not.toBe('stdio-state');
      const done = await call(other, { inputResponses: { confirm: { action: 'decline' } }, requestState: first.requestState });
      expect(text(done.json.result)).toBe('stdio confirm: decline {}');
    } finally {
      await other.stop();
    }
  });

  it('a 2025 client cancelling a call sends notifications/cancelled for it (stdio has no stream to close)', async () => {
    const c = await client();
    const stop = new AbortController();
    const call = c.callTool({ name: 'hang', arguments: { tag: 'x' } }, undefined, { signal: stop.signal }).catch((e: unknown) => e);
    await waitFor(() => seen().some((m) => m.method === 'tools/call' && m.params?.name === 'hang') || undefined, 'the call reached the member');
    stop.abort('enough');
    await waitFor(() => seen().some((m) => m.cancelled === 'x') || undefined, 'the member saw the cancellation');
    expect(await call).toBeInstanceOf(Error);
  });

  it('subscriptions over stdio: alice and bob (one shared process) each hear of their own resource only, and both of the tool list change', async () => {
    const [alice, bob] = await Promise.all([client(), client()]);
    const heard: Record<string, string[]> = { alice: [], bob: [] };
    const toolChanges: Record<string, number> = { alice: 0, bob: 0 };
    for (const [who, c] of [['alice', alice], ['bob', bob]] as const) {
      c.setNotificationHandler(ResourceUpdatedNotificationSchema, (n) => void heard[who]!.push(n.params.uri));
      c.setNotificationHandler(ToolListChangedNotificationSchema, () => void toolChanges[who]!++);
    }
    await Promise.all([alice.subscribeResource({ uri: 'stdio://alice' }), bob.subscribeResource({ uri: 'stdio://bob' })]);
    expect(text(await alice.callTool({ name: 'touch', arguments: { uris: ['stdio://bob', 'stdio://alice'] } }))).toBe('touched 2');
    // The list change went after the updates on each session's stream: a stray update would be there by then.
    await waitFor(() => toolChanges.alice! > 0 && toolChanges.bob! > 0, 'both told of the tool list change');
    await waitFor(() => heard.alice!.length > 0 && heard.bob!.length > 0, 'both told of their update');
    expect(heard).toEqual({ alice: ['stdio://alice'], bob: ['stdio://bob'] });
    // Each session's listen went with its own id and filter, without a deadline cutting it (no error answer).
    const listens = seen().filter((m) => m.method === 'subscriptions/listen' && m.params?.notifications?.resourceSubscriptions);
    expect(listens.map((m) => m.params.notifications.resourceSubscriptions)).toEqual(expect.arrayContaining([['stdio://alice'], ['stdio://bob']]));
    expect(new Set(listens.map((m) => m.id)).size).toBe(listens.length);
  });
});
