import { type McpServer, inputRequired, inputResponse } from '@modelcontextprotocol/server';
import { z } from 'zod';

// The multi round-trip (MRTR, 2026-07-28 basic/patterns/mrtr.mdx) tools of the modern member fixture. The member is
// stateless, as the spec means it: what it learnt in one round travels in its requestState, which it checks on every
// retry (a state it did not mint, or one minted for another call, fails the call), and it reads the client's answers
// from the retry's inputResponses only.

/** What the member's MRTR tools minted, so a test can tell the states a retry echoed were the member's own. */
export interface MrtrLog {
  /** Every requestState the member handed out, in order. */
  readonly minted: string[];
  /** Tags of `linger` retries the member saw aborted (the caller closed their stream: 2026 cancellation). */
  readonly aborted: string[];
}

/** What `interview` carries from round to round (base64url JSON in its requestState). */
interface InterviewState {
  readonly tag: string;
  readonly round: 1 | 2;
  readonly name?: string;
}

const text = (t: string) => ({ content: [{ type: 'text' as const, text: t }] });

/** Registers the tools `ask`, `interview`, `pester`, `linger` and the prompt `introduce` (see startModernMember) on `server`. */
export function registerMrtrTools(server: McpServer, log: MrtrLog): void {
  const mint = (state: string) => {
    log.minted.push(state);
    return state;
  };
  server.registerTool('ask', { inputSchema: z.object({}) }, async (_args, ctx) => {
    const state = ctx.mcpReq.requestState<string>();
    if (state === undefined) {
      const confirm = inputRequired.elicit({ message: 'Sure?', requestedSchema: { type: 'object', properties: { ok: { type: 'boolean' } } } });
      return inputRequired({ inputRequests: { confirm }, requestState: mint('opaque-state') }) as never;
    }
    if (state !== 'opaque-state') throw new Error(`ask: a requestState the member never minted: ${state}`);
    const answer = inputResponse(ctx.mcpReq.inputResponses, 'confirm');
    if (answer.kind !== 'elicit') throw new Error(`ask: inputResponses.confirm is ${answer.kind}`);
    return text(`confirm: ${answer.action} ${JSON.stringify(answer.content ?? {})}`);
  });
  server.registerTool('interview', { inputSchema: z.object({ tag: z.string() }) }, async ({ tag }, ctx) => {
    const raw = ctx.mcpReq.requestState<string>();
    const state = raw === undefined ? undefined : (JSON.parse(Buffer.from(raw, 'base64url').toString('utf8')) as InterviewState);
    if (state && state.tag !== tag) throw new Error(`interview ${tag}: the requestState of call ${state.tag}`);
    const progressToken = ctx.mcpReq._meta?.progressToken;
    const round = state?.round ?? 0;
    if (progressToken !== undefined) await ctx.mcpReq.notify({ method: 'notifications/progress', params: { progressToken, progress: round + 1, total: 3 } });
    const next = (s: InterviewState) => mint(Buffer.from(JSON.stringify(s)).toString('base64url'));
    if (!state) {
      const name = inputRequired.elicit({ message: 'Your name?', requestedSchema: { type: 'object', properties: { name: { type: 'string' } }, required: ['name'] } });
      return inputRequired({ inputRequests: { name }, requestState: next({ tag, round: 1 }) }) as never;
    }
    if (state.round === 1) {
      const answer = inputResponse(ctx.mcpReq.inputResponses, 'name');
      if (answer.kind !== 'elicit' || typeof answer.content?.name !== 'string') throw new Error(`interview ${tag}: no name in inputResponses`);
      const capital = inputRequired.createMessage({ messages: [{ role: 'user', content: { type: 'text', text: 'Capital of France?' } }], maxTokens: 10 });
      return inputRequired({ inputRequests: { capital, where: inputRequired.listRoots() }, requestState: next({ tag, round: 2, name: answer.content.name }) }) as never;
    }
    const capital = inputResponse(ctx.mcpReq.inputResponses, 'capital');
    const where = inputResponse(ctx.mcpReq.inputResponses, 'where');
    if (capital.kind !== 'sampling' || where.kind !== 'roots') throw new Error(`interview ${tag}: inputResponses are ${capital.kind} and ${where.kind}`);
    const said = capital.result.content;
    const sampled = !Array.isArray(said) && said.type === 'text' ? said.text : '?';
    return text(`${tag}: name=${state.name} capital=${sampled} roots=${where.roots.map((r) => r.uri).join(',')}`);
  });
  server.registerPrompt('introduce', { argsSchema: z.object({}) }, async (_args, ctx) => {
    const answer = inputResponse(ctx.mcpReq.inputResponses, 'who');
    if (answer.kind !== 'elicit' || typeof answer.content?.name !== 'string') {
      const who = inputRequired.elicit({ message: 'Who is asking?', requestedSchema: { type: 'object', properties: { name: { type: 'string' } }, required: ['name'] } });
      return inputRequired({ inputRequests: { who } }) as never;
    }
    return { messages: [{ role: 'user' as const, content: { type: 'text' as const, text: `Introduce ${answer.content.name}` } }] };
  });
  server.registerTool('linger', { inputSchema: z.object({ tag: z.string() }) }, async ({ tag }, ctx) => {
    if (ctx.mcpReq.requestState<string>() === undefined) {
      const go = inputRequired.elicit({ message: 'Go on?', requestedSchema: { type: 'object', properties: { ok: { type: 'boolean' } } } });
      return inputRequired({ inputRequests: { go }, requestState: mint(`linger ${tag}`) }) as never;
    }
    return new Promise((resolve) => {
      ctx.mcpReq.signal.addEventListener('abort', () => {
        log.aborted.push(tag);
        resolve(text(`aborted ${tag}`));
      });
    });
  });
  server.registerTool('pester', { inputSchema: z.object({}) }, async (_args, ctx) => {
    const round = Number(ctx.mcpReq.requestState<string>() ?? '0') + 1;
    const again = inputRequired.elicit({ message: `Again (${round})?`, requestedSchema: { type: 'object', properties: { ok: { type: 'boolean' } } } });
    return inputRequired({ inputRequests: { [`again-${round}`]: again }, requestState: mint(String(round)) }) as never;
  });
}
