import { describe, expect, it } from 'vitest';
import { bodyLimit } from '../../../server/filters/body-limit.js';
import { ipAccess } from '../../../server/filters/ip-access.js';
import { compose, type Filter, type GatewayContext } from '../../../server/pipeline/index.js';

/** A context as an ingress builds it, for a POST of `length` bytes from `ip`. */
function ctxFrom(ip: string, length: number): GatewayContext {
  return {
    requestId: 'r1',
    kind: 'http',
    startedAt: process.hrtime.bigint(),
    signal: new AbortController().signal,
    request: { method: 'POST', path: '/x', query: '', host: 'h', headers: { 'content-length': String(length) }, remoteAddress: ip, protocol: 'http' },
    outcome: {},
  } as unknown as GatewayContext;
}

/** A terminal that answers: it never calls next(). */
function answer(status: number): Filter {
  return async function answerDirectly(ctx) {
    ctx.outcome.status = status;
  };
}

const codeOf = (err: unknown) => (err as { code?: string }).code;

describe('compose: a chain always ends in a terminal', () => {
  it('runs the filters in order and ends in the terminal', async () => {
    const run = compose([ipAccess({ allow: ['127.0.0.0/8'] }), bodyLimit(100)], answer(204));
    const ctx = ctxFrom('127.0.0.1', 10);
    await run(ctx);
    expect(ctx.outcome.status).toBe(204);
  });

  it('a filter refusal ends the chain before the terminal', async () => {
    const run = compose([ipAccess({ allow: ['127.0.0.0/8'] }), bodyLimit(100)], answer(204));
    const ctx = ctxFrom('127.0.0.1', 1000);
    expect(codeOf(await run(ctx).catch((e: unknown) => e))).toBe('GW_ERR_BODY_TOO_LARGE');
    expect(ctx.outcome.status).toBeUndefined();
  });

  it('a chain whose last filter calls next() with nothing after it throws GW_ERR_PIPELINE_UNTERMINATED (500)', async () => {
    // body-limit is a pass-through filter: as the terminal it admits the request and calls next() into nothing.
    const run = compose([ipAccess({ allow: ['127.0.0.0/8'] })], bodyLimit(100));
    const err = await run(ctxFrom('127.0.0.1', 10)).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(codeOf(err)).toBe('GW_ERR_PIPELINE_UNTERMINATED');
    expect((err as { status: number }).status).toBe(500);
  });

  it('a chain built without a terminal is refused when it is built, not when a request runs it', () => {
    expect(() => compose([bodyLimit(100)], undefined as unknown as Filter)).toThrow(expect.objectContaining({ code: 'GW_ERR_PIPELINE_UNTERMINATED' }));
  });

  it('still rejects a second next() from one filter', async () => {
    const twice: Filter = async function callsNextTwice(_ctx, next) {
      await next();
      await next();
    };
    const err = await compose([twice], answer(200))(ctxFrom('127.0.0.1', 1)).catch((e: unknown) => e);
    expect(String(err)).toMatch(/callsNextTwice called next\(\) twice/);
  });
});
