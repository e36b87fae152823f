// The audit log says who made an admin change, not only through which interface: "admin token" for a Bearer
// request, "console session <short id>" for a console session (a short id derived from the session, never part of
// the cookie), and the client's address. Two console sessions at once are told apart; CLI writes carry neither.
import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestGateway, type TestGateway } from '../../helpers/gateway.js';

interface Entry {
  interface: string;
  entity: string;
  name: string;
  actor: string | null;
  address: string | null;
}

describe('audit: who made a change', () => {
  let gw: TestGateway;
  let origin: string;

  beforeAll(async () => {
    gw = await startTestGateway();
    origin = new URL(gw.adminUrl).origin;
  });
  afterAll(async () => {
    await gw.stop();
  });

  async function signIn(): Promise<string> {
    const res = await fetch(`${gw.adminUrl}/console/session`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-agate-console': '1', origin },
      body: JSON.stringify({ token: gw.adminToken.token }),
    });
    expect(res.status).toBe(204);
    return res.headers.get('set-cookie')!.split(';')[0]!;
  }

  const audit = async (name: string): Promise<Entry> => {
    const res = await fetch(`${gw.adminUrl}/audit?limit=1000`, { headers: { authorization: `Bearer ${gw.adminToken.token}` } });
    return ((await res.json()) as { items: Entry[] }).items.find((e) => e.name === name)!;
  };

  it('a Bearer write is recorded as the admin token, from the client address', async () => {
    const res = await fetch(`${gw.adminUrl}/consumers`, { method: 'POST', headers: { authorization: `Bearer ${gw.adminToken.token}`, 'content-type': 'application/json' }, body: JSON.stringify({ name: 'by-token' }) });
    expect(res.status).toBe(201);
    expect(await audit('by-token')).toMatchObject({ interface: 'admin-api', actor: 'admin token', address: '127.0.0.1' });
  });

  it('two console sessions at once are recorded each as its own session; the short id is not in the cookie', async () => {
    const [one, two] = await Promise.all([signIn(), signIn()]);
    const create = (cookie: string, name: string) =>
      fetch(`${gw.adminUrl}/consumers`, { method: 'POST', headers: { cookie, origin, 'x-agate-console': '1', 'content-type': 'application/json' }, body: JSON.stringify({ name }) });
    const answers = await Promise.all([create(one, 'by-one'), create(two, 'by-two')]);
    expect(answers.map((r) => r.status)).toEqual([201, 201]);
    const [a, b] = [await audit('by-one'), await audit('by-two')];
    expect(a.actor).toMatch(/^console session [0-9a-f]{8}$/);
    expect(b.actor).toMatch(/^console session [0-9a-f]{8}$/);
    expect(a.actor).not.toBe(b.actor);
    expect([a.address, b.address]).toEqual(['127.0.0.1', '127.0.0.1']);
    // The id is derived from the session (sha-256), so the log holds nothing that signs anyone in.
    const value = one.split('=')[1]!;
    expect(value).not.toContain(a.actor!.slice(-8));
    expect(a.actor!.slice(-8)).toBe(createHash('sha256').update(value).digest('hex').slice(0, 8));
  });

  it('a config added from a pasted text (checked in a worker, written after an await) still names its session', async () => {
    const cookie = await signIn();
    const text = 'server:\n  name: later\ntools: []\n';
    const res = await fetch(`${gw.adminUrl}/mcp-servers-from-config`, { method: 'POST', headers: { cookie, origin, 'x-agate-console': '1', 'content-type': 'application/json' }, body: JSON.stringify({ name: 'later', text }) });
    expect(res.status, await res.clone().text()).toBe(201);
    expect((await audit('later')).actor).toMatch(/^console session [0-9a-f]{8}$/);
  });

  it('a CLI write names no actor or address', async () => {
    gw.registry.consumers.store.create({ name: 'by-cli' }, 'cli');
    expect(await audit('by-cli')).toMatchObject({ interface: 'cli', actor: null, address: null });
  });
});
