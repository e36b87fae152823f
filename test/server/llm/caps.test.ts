import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestGateway, waitFor, type TestGateway } from '../../helpers/gateway.js';
import { json, openAiCompletion, startFake, type FakeProvider } from './fakes.js';
import { addProvider, addRoute } from './setup.js';

const MiB = 1024 * 1024;

describe('LLM size caps: provider answers and request bodies', () => {
  let gw: TestGateway;
  let huge: FakeProvider;
  let holder: FakeProvider;
  let written = 0;
  let hugeClosed = false;
  const held: Array<() => void> = [];
  let openai: OpenAI;

  beforeAll(async () => {
    gw = await startTestGateway({ gateway: { llm: { maxBodyBytes: 1 * MiB, bufferedBodyBytes: 3 * MiB } } });
    // A provider that answers a non-streamed call with up to 50 MB, written as fast as the gateway reads it.
    huge = await startFake('huge', (_c, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      const chunk = Buffer.alloc(64 * 1024, 'x');
      res.write('{"id":"');
      const pump = () => {
        while (written < 50 * MiB && !res.destroyed) {
          written += chunk.length;
          if (!res.write(chunk)) return void res.once('drain', pump);
        }
        if (!res.destroyed) res.end('"}');
      };
      res.on('close', () => (hugeClosed = true));
      pump();
    });
    holder = await startFake('holder', (c, res) => held.push(() => json(res, 200, openAiCompletion(String(c.body.model), 'ok'))));
    addProvider(gw, { name: 'huge', type: 'openai', baseUrl: `${huge.url}/v1`, keys: ['h'], maxResponseBytes: 64 * 1024 });
    addProvider(gw, { name: 'holder', type: 'openai', baseUrl: `${holder.url}/v1`, keys: ['h'] });
    await addRoute(gw, { name: 'huge', model: 'huge-model', targets: [{ provider: 'huge' }] });
    await addRoute(gw, { name: 'hold', model: 'hold-model', targets: [{ provider: 'holder' }] });
    openai = new OpenAI({ baseURL: `${gw.url}/v1`, apiKey: 'c', maxRetries: 0 });
  });
  afterAll(async () => {
    await gw.stop();
    await Promise.all([huge.close(), holder.close()]);
  });

  it('a non-streamed answer over maxResponseBytes is cut off: 502 GW_ERR_LLM_RESPONSE_TOO_LARGE, upstream aborted', async () => {
    const err = await openai.chat.completions.create({ model: 'huge-model', messages: [{ role: 'user', content: 'hi' }] }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OpenAI.APIError);
    expect((err as InstanceType<typeof OpenAI.APIError>).status).toBe(502);
    expect((err as InstanceType<typeof OpenAI.APIError>).code).toBe('GW_ERR_LLM_RESPONSE_TOO_LARGE');
    await waitFor(() => hugeClosed, 'the gateway to close the provider connection');
    // It stopped reading long before the 50 MB were written (socket buffers hold a few MB at most).
    expect(written).toBeLessThan(16 * MiB);
    await waitFor(() => gw.logs.some((l) => l.msg === 'access' && l.route === 'huge' && l.code === 'GW_ERR_LLM_RESPONSE_TOO_LARGE'), 'an access line with the code');
  });

  it('a request body over the limit is refused with 413 GW_ERR_BODY_TOO_LARGE, in OpenAI shape', async () => {
    const err = await openai.chat.completions.create({ model: 'hold-model', messages: [{ role: 'user', content: 'x'.repeat(2 * MiB) }] }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OpenAI.APIError);
    expect((err as InstanceType<typeof OpenAI.APIError>).status).toBe(413);
    expect((err as InstanceType<typeof OpenAI.APIError>).code).toBe('GW_ERR_BODY_TOO_LARGE');
  });

  it('eight concurrent 0.9 MB bodies: only what fits the 3 MiB in-flight allowance is held, the rest get 503 + Retry-After', async () => {
    const body = { model: 'hold-model', messages: [{ role: 'user' as const, content: 'y'.repeat(900 * 1024) }] };
    const results = Array.from({ length: 8 }, () => openai.chat.completions.create(body).then(() => 200, (e: unknown) => e as InstanceType<typeof OpenAI.APIError>));
    await waitFor(() => held.length === 3, 'three requests to reach the provider');
    // The five others were answered without being buffered.
    const busy = await waitFor(async () => {
      const done = await Promise.all(results.map((r) => Promise.race([r, Promise.resolve('pending' as const)])));
      const errs = done.filter((d): d is InstanceType<typeof OpenAI.APIError> => d instanceof OpenAI.APIError);
      return errs.length === 5 ? errs : undefined;
    }, 'five 503 answers');
    for (const e of busy) {
      expect(e.status).toBe(503);
      expect(e.code).toBe('GW_ERR_LLM_BODIES_BUSY');
      expect(e.headers?.get('retry-after')).toBe('1');
    }
    // Once the held answers go out, their reservations are given back: the next body is admitted again.
    held.splice(0).forEach((answer) => answer());
    expect((await Promise.all(results)).filter((r) => r === 200)).toHaveLength(3);
    const again = openai.chat.completions.create(body);
    await waitFor(() => held.length === 1, 'the next request to reach the provider');
    held.splice(0).forEach((answer) => answer());
    expect((await again).choices[0]!.message.content).toBe('ok');
  });
});
