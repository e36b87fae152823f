/**
 * End to end over loopback HTTP: a fake provider streams its exact wire format in 7-byte writes, a minimal
 * gateway handler translates with the library, and the official SDKs consume the result. This proves the
 * emitted grammar is what real clients accept, not only what our own checkers accept.
 */
import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { afterEach, describe, expect, it } from 'vitest';
import { formatSseJson, SseParser, SSE_DONE } from '../../../../../server/sse/index.js';
import {
  anthropicToOpenAiRequest,
  AnthropicToOpenAiStream,
  openAiToAnthropicRequest,
  OpenAiToAnthropicStream,
  shortenToolName,
  type AnthropicRequest,
  type OpenAiChatRequest,
} from '../../../../../server/targets/llm-router/translate/index.js';
import { ANTHROPIC_PARALLEL_TOOLS_STREAM } from '../fixtures/anthropic-streams.js';
import { LONG_TOOL_NAME, openAiParallelToolsStream } from '../fixtures/openai-streams.js';
import { listen, readBody, sseUpstream, type Loopback } from '../loopback.js';

const open: Loopback[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((s) => s.close()));
});

async function pumpUpstream(res: Response, parser: SseParser): Promise<void> {
  for await (const chunk of res.body as AsyncIterable<Uint8Array>) parser.feed(chunk);
  parser.end();
}

/** An OpenAI front door in front of an Anthropic upstream. */
async function openAiGateway(upstreamUrl: string): Promise<Loopback> {
  return listen(async (req, res) => {
    const body = JSON.parse(await readBody(req)) as OpenAiChatRequest;
    const up = await fetch(`${upstreamUrl}/v1/messages`, { method: 'POST', body: JSON.stringify(openAiToAnthropicRequest(body)) });
    res.writeHead(200, { 'content-type': 'text/event-stream' });
    const tr = new AnthropicToOpenAiStream(
      {
        data: (c) => res.write(formatSseJson(c)),
        error: (e) => res.end(formatSseJson(e)),
        done: () => res.end(SSE_DONE),
      },
      { includeUsage: body.stream_options?.include_usage === true, model: body.model },
    );
    try {
      await pumpUpstream(up, new SseParser((e) => tr.push(e)));
      tr.end();
    } catch (err) {
      tr.abort({ error: { message: `upstream connection failed: ${String(err)}`, type: 'server_error', code: 'upstream_reset', param: null } });
    }
  });
}

/** An Anthropic front door in front of an OpenAI-compatible upstream. */
async function anthropicGateway(upstreamUrl: string): Promise<Loopback> {
  return listen(async (req, res) => {
    const body = JSON.parse(await readBody(req)) as AnthropicRequest;
    const { request, toolNames } = anthropicToOpenAiRequest(body, { model: 'qwen-max' });
    const up = await fetch(`${upstreamUrl}/v1/chat/completions`, { method: 'POST', body: JSON.stringify(request) });
    res.writeHead(200, { 'content-type': 'text/event-stream' });
    const tr = new OpenAiToAnthropicStream(
      {
        data: (e) => res.write(formatSseJson(e, e.type)),
        error: (e) => res.end(formatSseJson(e, 'error')),
        done: () => res.end(),
      },
      { model: body.model, toolNames },
    );
    await pumpUpstream(up, new SseParser((e) => tr.push(e)));
    tr.end();
  });
}

describe('translation over loopback HTTP with the official SDKs', () => {
  it('openai SDK assembles thinking, text and two parallel tool calls translated from Anthropic', async () => {
    const seen: unknown[] = [];
    const upstream = await sseUpstream(ANTHROPIC_PARALLEL_TOOLS_STREAM, { chunkSize: 7, onRequest: (_p, b) => seen.push(b) });
    open.push(upstream);
    const gw = await openAiGateway(upstream.url);
    open.push(gw);
    const client = new OpenAI({ baseURL: `${gw.url}/v1`, apiKey: 'test', maxRetries: 0 });
    const stream = client.chat.completions.stream({
      model: 'claude-alias',
      messages: [{ role: 'user', content: 'Weather in SF and Paris?' }],
      tools: [{ type: 'function', function: { name: 'get_weather', parameters: { type: 'object', properties: { location: { type: 'string' } } } } }],
      stream_options: { include_usage: true },
    });
    const final = await stream.finalChatCompletion();
    const msg = final.choices[0]!.message;
    expect(final.choices[0]!.finish_reason).toBe('tool_calls');
    expect(msg.content).toBe('Checking both.');
    expect(msg.tool_calls?.map((t) => (t.type === 'function' ? [t.id, t.function.name, JSON.parse(t.function.arguments)] : null))).toEqual([
      ['toolu_01A', 'get_weather', { location: 'San Francisco, CA' }],
      ['toolu_01B', 'get_weather', { location: 'Paris' }],
    ]);
    expect(final.usage).toMatchObject({ prompt_tokens: 472, completion_tokens: 89, total_tokens: 561 });
    expect(seen[0]).toMatchObject({ model: 'claude-alias', max_tokens: 4096, stream: true, tools: [{ name: 'get_weather' }] });
  });

  it('an upstream reset mid-stream reaches the openai SDK as an error, and the body has no [DONE]', async () => {
    const upstream = await sseUpstream(ANTHROPIC_PARALLEL_TOOLS_STREAM, { chunkSize: 7, cutAfter: 900 });
    open.push(upstream);
    const gw = await openAiGateway(upstream.url);
    open.push(gw);
    const raw = await (await fetch(`${gw.url}/v1/chat/completions`, { method: 'POST', body: JSON.stringify({ model: 'm', messages: [{ role: 'user', content: 'x' }], stream: true }) })).text();
    expect(raw).not.toContain('[DONE]');
    expect(raw.trimEnd().split('\n\n').at(-1)).toContain('"code":"upstream_reset"');

    const client = new OpenAI({ baseURL: `${gw.url}/v1`, apiKey: 'test', maxRetries: 0 });
    const stream = await client.chat.completions.create({ model: 'm', messages: [{ role: 'user', content: 'x' }], stream: true });
    const drain = async () => {
      for await (const chunk of stream) void chunk;
    };
    await expect(drain()).rejects.toThrow(/upstream connection failed/);
  });

  it('Anthropic SDK assembles two tool_use blocks (one long name restored) translated from OpenAI', async () => {
    const seen: unknown[] = [];
    // The upstream answers with the shortened name the gateway sends it, so the fixture is built from it.
    const shortName = shortenToolName(LONG_TOOL_NAME);
    const real = await sseUpstream(openAiParallelToolsStream(shortName), { chunkSize: 7, onRequest: (_p, b) => seen.push(b) });
    open.push(real);
    const gw = await anthropicGateway(real.url);
    open.push(gw);
    const client = new Anthropic({ baseURL: gw.url, apiKey: 'test', maxRetries: 0 });
    const final = await client.messages
      .stream({
        model: 'claude-alias',
        max_tokens: 256,
        messages: [{ role: 'user', content: 'go' }],
        tools: [
          { name: 'get_weather', input_schema: { type: 'object' } },
          { name: LONG_TOOL_NAME, input_schema: { type: 'object' } },
        ],
      })
      .finalMessage();
    expect(final.stop_reason).toBe('tool_use');
    expect(final.content).toEqual([
      { type: 'tool_use', id: 'call_a', name: 'get_weather', input: { location: 'Paris' } },
      { type: 'tool_use', id: 'call_b', name: LONG_TOOL_NAME, input: { q: 'x' } },
    ]);
    expect(final.usage).toMatchObject({ input_tokens: 100, output_tokens: 40 });
    expect(seen[0]).toMatchObject({ model: 'qwen-max', stream: true, stream_options: { include_usage: true } });
    expect(JSON.stringify(seen[0])).not.toContain(LONG_TOOL_NAME);
  });
});
