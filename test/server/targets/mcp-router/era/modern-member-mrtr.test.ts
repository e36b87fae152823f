import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import {
  CreateMessageRequestSchema,
  ElicitRequestSchema,
  ListRootsRequestSchema,
  McpError,
  type CreateMessageResult,
  type ElicitResult,
  type ListRootsResult,
} from '@modelcontextprotocol/sdk/types.js';
import { startTestGateway, waitFor, type TestGateway } from '../../../../helpers/gateway.js';
import { addMcpServer, connectMcp } from '../../../../helpers/mcp.js';
import { envelope, modernPost } from '../../../../helpers/mcp-modern.js';
import { startModernMember, type ModernMember } from '../../../../helpers/modern-member.js';

// MRTR bridging, 2025 client → 2026 member (2026-07-28 basic/patterns/mrtr.mdx): the member answers a call with
// `resultType: "input_required"`; agate asks the 2025 client the member's questions as server→client requests during
// that call, then retries the call with `inputResponses` and the member's `requestState`. The member (a v2 SDK server,
// modern-member-mrtr.ts) checks every retry: a state it did not mint, or no answer, fails the call. Expected results are
// built from what the clients answered.

const remote = (url: string) => ({ kind: 'remote' as const, url, transport: 'streamable-http' as const, headers: {}, secretHeaders: {} });
const text = (r: unknown) => ((r as { content: Array<{ text?: string }> }).content[0] ?? {}).text;
const failure = (p: Promise<unknown>) =>
  p.then(
    () => undefined,
    (e: unknown) => e as { code: number; message: string; data?: Record<string, unknown> },
  );

/** What one user answers: its name to elicitations, its capital to sampling, its roots to roots/list. */
interface Answers {
  readonly name: string;
  readonly capital: string;
  readonly root: string;
}

/** A user's 2025 client, declaring elicitation, sampling and roots; it counts what it was asked. */
interface User {
  readonly client: Client;
  readonly asked: string[];
}

describe('a 2026-only member asking a 2025 client for input (MRTR bridged)', () => {
  let gw: TestGateway;
  let member: ModernMember;
  const keys: Record<string, string> = {};
  const open: Client[] = [];

  beforeAll(async () => {
    member = await startModernMember();
    gw = await startTestGateway({ gateway: { mcp: { eraProbe: { probeTimeoutMs: 5_000 } } } });
    for (const name of ['alice', 'bob']) {
      gw.registry.consumers.store.create({ name, groups: [] }, 'cli');
      keys[name] = gw.registry.consumers.issueKey(name, 'cli').key;
    }
    await addMcpServer(gw, { name: 'nova', backend: remote(member.url) });
    await waitFor(() => gw.registry.memberEras.get('nova')?.era === 'modern', 'the member learnt as modern');
  }, 30_000);

  afterAll(async () => {
    await Promise.allSettled(open.map((c) => c.close()));
    await gw?.stop();
    await member?.close();
  });

  async function user(who: string, answers: Answers, elicit?: () => Promise<ElicitResult>): Promise<User> {
    const client = await connectMcp(gw, 'nova', { capabilities: { elicitation: {}, sampling: {}, roots: {} }, headers: { 'x-api-key': keys[who]! } });
    open.push(client);
    const asked: string[] = [];
    client.setRequestHandler(ElicitRequestSchema, async (req): Promise<ElicitResult> => {
      asked.push(`elicitation/create ${req.params.message}`);
      return elicit ? elicit() : { action: 'accept', content: req.params.message === 'Sure?' ? { ok: true } : { name: answers.name } };
    });
    client.setRequestHandler(CreateMessageRequestSchema, async (): Promise<CreateMessageResult> => {
      asked.push('sampling/createMessage');
      return { role: 'assistant', content: { type: 'text', text: answers.capital }, model: `model-of-${who}` };
    });
    client.setRequestHandler(ListRootsRequestSchema, async (): Promise<ListRootsResult> => {
      asked.push('roots/list');
      return { roots: [{ uri: answers.root, name: who }] };
    });
    return { client, asked };
  }

  const calls = (tool: string) => member.requests.filter((r) => r.method === 'tools/call' && r.params?.name === tool);

  it('alice and bob at once: each is asked the member’s questions over two rounds and gets a result built from their own answers', async () => {
    const alice: Answers = { name: 'alice', capital: 'Paris (alice)', root: 'file:///home/alice' };
    const bob: Answers = { name: 'bob', capital: 'Paris (bob)', root: 'file:///home/bob' };
    const [a, b] = await Promise.all([user('alice', alice), user('bob', bob)]);
    const [ra, rb] = await Promise.all([
      a.client.callTool({ name: 'interview', arguments: { tag: 'A' } }),
      b.client.callTool({ name: 'interview', arguments: { tag: 'B' } }),
    ]);
    expect(text(ra)).toBe(`A: name=alice capital=${alice.capital} roots=${alice.root}`);
    expect(text(rb)).toBe(`B: name=bob capital=${bob.capital} roots=${bob.root}`);
    for (const u of [a, b]) expect(u.asked.sort()).toEqual(['elicitation/create Your name?', 'roots/list', 'sampling/createMessage']);
    // Three requests per call reached the member: the first, then one retry per round, each with an id of its own
    // (mrtr.mdx: the retry is a new request), the member's own requestState and the client's answers keyed as asked.
    const byTag = (tag: string) => calls('interview').filter((r) => r.params?.arguments?.tag === tag);
    for (const [tag, answers] of [['A', alice], ['B', bob]] as const) {
      const [first, second, third] = byTag(tag);
      expect(byTag(tag)).toHaveLength(3);
      expect(new Set([first!.id, second!.id, third!.id]).size).toBe(3);
      expect(first!.params).not.toHaveProperty('requestState');
      expect(first!.params).not.toHaveProperty('inputResponses');
      expect(member.minted).toContain(second!.params?.requestState);
      expect(member.minted).toContain(third!.params?.requestState);
      expect(second!.params?.inputResponses).toEqual({ name: { action: 'accept', content: { name: answers.name } } });
      expect(third!.params?.inputResponses).toEqual({
        capital: { role: 'assistant', content: { type: 'text', text: answers.capital }, model: `model-of-${answers.name}` },
        where: { roots: [{ uri: answers.root, name: answers.name }] },
      });
    }
  });

  it('a 2026 client, alice and bob at once, is asked under the member’s own keys over two rounds (mrtr.mdx) and gets its own result', async () => {
    const caps = { elicitation: {}, sampling: {}, roots: {} };
    const call = (who: string, tag: string, more: Record<string, unknown> = {}) =>
      modernPost(gw, 'nova', { method: 'tools/call', params: { name: 'interview', arguments: { tag }, ...more, _meta: envelope({ 'io.modelcontextprotocol/clientCapabilities': caps }) } }, { 'x-api-key': keys[who]! });
    const run = async (who: string, tag: string) => {
      const first = (await call(who, tag)).json.result;
      expect(first.resultType).toBe('input_required');
      // The member's keys (modern-member-mrtr.ts), not ones agate made up; agate's marker is not shown.
      expect(Object.keys(first.inputRequests)).toEqual(['name']);
      expect(JSON.stringify(first.inputRequests)).not.toContain('io.agate');
      const second = (await call(who, tag, { inputResponses: { name: { action: 'accept', content: { name: who } } }, requestState: first.requestState })).json.result;
      expect(Object.keys(second.inputRequests).sort()).toEqual(['capital', 'where']);
      const inputResponses = {
        capital: { role: 'assistant', content: { type: 'text', text: `Paris (${who})` }, model: 'm' },
        where: { roots: [{ uri: `file:///home/${who}` }] },
      };
      const done = (await call(who, tag, { inputResponses, requestState: second.requestState })).json.result;
      return text(done);
    };
    const [a, b] = await Promise.all([run('alice', 'modern-A'), run('bob', 'modern-B')]);
    expect(a).toBe('modern-A: name=alice capital=Paris (alice) roots=file:///home/alice');
    expect(b).toBe('modern-B: name=bob capital=Paris (bob) roots=file:///home/bob');
  });

  it('the member gets the client’s answer and its own opaque requestState back verbatim', async () => {
    const a = await user('alice', { name: 'alice', capital: '-', root: 'file:///a' });
    const result = await a.client.callTool({ name: 'ask', arguments: {} });
    expect(text(result)).toBe('confirm: accept {"ok":true}');
    const retry = calls('ask').at(-1)!;
    expect(retry.params).toMatchObject({ requestState: 'opaque-state', inputResponses: { confirm: { action: 'accept', content: { ok: true } } } });
  });

  it('prompts/get asks too: alice and bob at once each get the prompt made from their own answer (no requestState: none echoed)', async () => {
    const [a, b] = await Promise.all([user('alice', { name: 'Alice', capital: '-', root: 'file:///a' }), user('bob', { name: 'Bob', capital: '-', root: 'file:///b' })]);
    const [pa, pb] = await Promise.all([a.client.getPrompt({ name: 'introduce' }), b.client.getPrompt({ name: 'introduce' })]);
    expect([pa.messages[0]?.content, pb.messages[0]?.content]).toEqual([
      { type: 'text', text: 'Introduce Alice' },
      { type: 'text', text: 'Introduce Bob' },
    ]);
    const retries = member.requests.filter((r) => r.method === 'prompts/get' && r.params?.name === 'introduce' && r.params.inputResponses);
    expect(retries).toHaveLength(2);
    for (const retry of retries) expect(retry.params).not.toHaveProperty('requestState');
  });

  it('progress of a call crosses every round to the client that asked for it', async () => {
    const a = await user('alice', { name: 'alice', capital: 'Paris', root: 'file:///a' });
    const seen: number[] = [];
    const result = await a.client.callTool({ name: 'interview', arguments: { tag: 'P' } }, undefined, { onprogress: (p) => seen.push(p.progress) });
    expect(text(result)).toBe('P: name=alice capital=Paris roots=file:///a');
    expect(seen).toEqual([1, 2, 3]);
  });

  it('a member that asks again and again: the client is asked 8 rounds, then gets a catalogue error naming the member', async () => {
    const before = calls('pester').length;
    const a = await user('alice', { name: 'alice', capital: '-', root: 'file:///a' });
    const err = await failure(a.client.callTool({ name: 'pester', arguments: {} }));
    expect(err).toMatchObject({ code: -32603, data: { code: 'GW_ERR_MCP_INPUT_ROUNDS_EXCEEDED', server: 'nova' } });
    expect(err?.message).toContain('nova');
    expect(a.asked).toEqual(Array.from({ length: 8 }, (_, i) => `elicitation/create Again (${i + 1})?`));
    // The first request and 8 retries; the 9th input_required answer is the one refused.
    expect(calls('pester').length - before).toBe(9);
  });

  it('a client answering with an error: the call fails with a catalogue error naming the member and the input, no retry', async () => {
    const before = calls('ask').length;
    const a = await user('alice', { name: 'alice', capital: '-', root: 'file:///a' }, async () => {
      throw new McpError(-32000, 'the user closed the dialog');
    });
    const err = await failure(a.client.callTool({ name: 'ask', arguments: {} }));
    expect(err).toMatchObject({ code: -32603, data: { code: 'GW_ERR_MCP_INPUT_FAILED', server: 'nova', input: 'confirm' } });
    expect(err?.message).toContain('the user closed the dialog');
    // sampling.mdx/roots.mdx §Error Handling: on an error the client does not retry (the member waits for nothing).
    expect(calls('ask').length - before).toBe(1);
  });

  it('one error answer in a round of two: the call fails at once and the client’s other open question is withdrawn', async () => {
    const before = calls('interview').length;
    const a = await user('alice', { name: 'alice', capital: '-', root: 'file:///a' });
    let withdrawn = false;
    // Round 2 asks for sampling and roots: sampling fails, roots is still open when it does.
    a.client.setRequestHandler(CreateMessageRequestSchema, async () => {
      throw new McpError(-32000, 'no model available');
    });
    a.client.setRequestHandler(ListRootsRequestSchema, (_req, extra) =>
      new Promise<ListRootsResult>(() => extra.signal.addEventListener('abort', () => (withdrawn = true))),
    );
    const err = await failure(a.client.callTool({ name: 'interview', arguments: { tag: 'E' } }));
    expect(err).toMatchObject({ code: -32603, data: { code: 'GW_ERR_MCP_INPUT_FAILED', server: 'nova', input: 'capital' } });
    // The client is told its roots request is no longer wanted (notifications/cancelled for it), as a 2025 server does.
    await waitFor(() => withdrawn, 'the client told its open question was withdrawn');
    expect(calls('interview').length - before).toBe(2);
  });

  it('a client cancelling the call while it is being asked abandons the exchange: its late answer retries nothing', async () => {
    const before = calls('ask').length;
    let answer!: (r: ElicitResult) => void;
    const a = await user('bob', { name: 'bob', capital: '-', root: 'file:///b' }, () => new Promise<ElicitResult>((resolve) => (answer = resolve)));
    const stop = new AbortController();
    const call = failure(a.client.callTool({ name: 'ask', arguments: {} }, undefined, { signal: stop.signal }));
    await waitFor(() => a.asked.length === 1, 'the client was asked');
    stop.abort('user gave up');
    expect(await call).toBeDefined();
    answer({ action: 'accept', content: { ok: true } });
    // A later call on the same session goes through; the abandoned one was never retried.
    expect(text(await a.client.callTool({ name: 'echo', arguments: { message: 'after' } }))).toBe('modern: after');
    expect(calls('ask').length - before).toBe(1);
  });

  it('a client cancelling the call while the retry runs: the member sees the retry cancelled (its stream closed), the other client’s call goes on', async () => {
    const [a, b] = await Promise.all([user('alice', { name: 'alice', capital: '-', root: 'file:///a' }), user('bob', { name: 'bob', capital: '-', root: 'file:///b' })]);
    const stop = new AbortController();
    const call = failure(a.client.callTool({ name: 'linger', arguments: { tag: 'alice' } }, undefined, { signal: stop.signal }));
    await waitFor(() => calls('linger').some((r) => r.params?.arguments?.tag === 'alice' && r.params.requestState !== undefined), 'the retry reached the member');
    const other = b.client.callTool({ name: 'interview', arguments: { tag: 'other' } });
    stop.abort('user gave up');
    await waitFor(() => member.aborted.includes('alice'), 'the member saw the retry cancelled');
    expect(await call).toBeDefined();
    expect(text(await other)).toBe('other: name=bob capital=- roots=file:///b');
    expect(member.aborted.filter((t) => t === 'alice')).toHaveLength(1);
  });
});
