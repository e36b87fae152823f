import { describe, expect, it } from 'vitest';
import { hashApiKey } from '../../../registry/index.js';
import { ConsumerDirectory } from '../../../server/auth/consumer-directory.js';
import { auth, authRefusalOf, CLIENT_KEY_AUTH, type AnonymousPolicy } from '../../../server/filters/auth.js';
import type { GatewayContext } from '../../../server/pipeline/index.js';

const directory = ConsumerDirectory.compile(
  {
    consumers: [
      { name: 'alice', groups: [] },
      { name: 'bob', groups: [] },
    ],
    keyHashes: [
      { consumer: 'alice', keyHash: hashApiKey('agk_alice') },
      { consumer: 'bob', keyHash: hashApiKey('agk_bob') },
    ],
    secret: () => undefined,
  },
  [],
);

function ctxWith(headers: Record<string, string>): GatewayContext {
  return { request: { method: 'GET', path: '/', query: '', host: 'h', headers, remoteAddress: '127.0.0.1', protocol: 'http' }, outcome: {} } as unknown as GatewayContext;
}

async function run(policy: AnonymousPolicy, headers: Record<string, string>) {
  const ctx = ctxWith(headers);
  let reached = false;
  try {
    await auth(CLIENT_KEY_AUTH, { directory }, policy)(ctx, async () => void (reached = true));
    return { reached, consumer: ctx.consumer?.name, ctx };
  } catch (err) {
    return { reached, error: (err as { code: string }).code, ctx };
  }
}

describe('the auth filter, one for every ingress', () => {
  it('reads Authorization before the key header', async () => {
    const r = await run('refuse', { authorization: 'Bearer agk_alice', 'x-api-key': 'agk_bob' });
    expect(r.consumer).toBe('alice');
  });

  it.each<[AnonymousPolicy, Record<string, string>, { reached: boolean; consumer?: string; error?: string }]>([
    ['refuse', {}, { reached: false, error: 'GW_ERR_AUTH_MISSING' }],
    ['refuse', { 'x-api-key': 'agk_nobody' }, { reached: false, error: 'GW_ERR_AUTH_INVALID' }],
    ['refuse', { 'x-api-key': 'agk_bob' }, { reached: true, consumer: 'bob' }],
    ['when-no-credential', {}, { reached: true, consumer: undefined }],
    ['when-no-credential', { authorization: 'Bearer agk_nobody' }, { reached: false, error: 'GW_ERR_AUTH_INVALID' }],
    ['always', {}, { reached: true, consumer: undefined }],
    ['always', { authorization: 'Bearer agk_nobody' }, { reached: true, consumer: undefined }],
    ['always', { authorization: 'Bearer agk_alice' }, { reached: true, consumer: 'alice' }],
  ])('policy %s with %j', async (policy, headers, expected) => {
    const r = await run(policy, headers);
    expect({ reached: r.reached, consumer: r.consumer, error: r.error }).toEqual({ consumer: undefined, error: undefined, ...expected });
  });

  it.each([
    [{}, 'GW_ERR_AUTH_MISSING'],
    [{ 'x-api-key': 'agk_nobody' }, 'GW_ERR_AUTH_INVALID'],
  ])('an anonymous request under `always` keeps the refusal it earned, with the challenge: %j', async (headers, code) => {
    const r = await run('always', headers);
    const refusal = authRefusalOf(r.ctx);
    expect(refusal.code).toBe(code);
    expect(refusal.status).toBe(401);
    expect(refusal.headers['www-authenticate']).toBe('Bearer realm="agate"');
  });

  it('keeps the set-aside refusal on the context itself (a typed field), so a copy of the context carries it', async () => {
    const r = await run('always', { 'x-api-key': 'agk_nobody' });
    const refusal = (r.ctx as { authRefusal?: { missing: boolean; challenge: Record<string, string> } }).authRefusal;
    expect(refusal).toMatchObject({ missing: false, challenge: { 'www-authenticate': 'Bearer realm="agate"' } });
    // A context built from this one (as the MCP per-message chain builds its own) keeps the same refusal.
    expect(authRefusalOf({ ...r.ctx }).code).toBe('GW_ERR_AUTH_INVALID');
  });
});
