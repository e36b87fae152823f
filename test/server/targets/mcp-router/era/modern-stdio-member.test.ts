import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { ElicitRequestSchema } from '@modelcontextprotocol/sdk/types.js';
import { startTestGateway, waitFor, type TestGateway } from '../../../../helpers/gateway.js';
import { addMcpServer, connectMcp } from '../../../../helpers/mcp.js';
import { META, MODERN, connectModernMcp } from '../../../../helpers/mcp-modern.js';
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
    expect((await first.listTools()).tools.map((t) => t.name).sort()).toEqual(['ask', 'echo', 'hang']);
    expect(gw.registry.memberEras.get('nova')?.era).toBe('modern');
    const before = seen().length;
    const second = await client();
    const modern = await connectModernMcp(gw, 'nova');
    open.push(modern);
    expect((await second.listTools()).tools.map((t) => t.name).sort()).toEqual(['ask', 'echo', 'hang']);
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

  it('a 2025 client cancelling a call sends notifications/cancelled for it (stdio has no stream to close)', async () => {
    const c = await client();
    const stop = new AbortController();
    const call = c.callTool({ name: 'hang', arguments: { tag: 'x' } }, undefined, { signal: stop.signal }).catch((e: unknown) => e);
    await waitFor(() => seen().some((m) => m.method === 'tools/call' && m.params?.name === 'hang') || undefined, 'the call reached the member');
    stop.abort('enough');
    await waitFor(() => seen().some((m) => m.cancelled === 'x') || undefined, 'the member saw the cancellation');
    expect(await call).toBeInstanceOf(Error);
  });
});
