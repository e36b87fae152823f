import { describe, expect, it, vi } from 'vitest';
import type { LookupAddress } from 'node:dns';
import { createEgressPolicy, guardedLookup } from '../../../servers/rest-to-mcp/upstream/ssrf-guard.js';

// A resolver that answers from a table, so the empty answer (no error, no address) can be produced.
const ANSWERS: Record<string, LookupAddress[]> = {
  'public.test': [{ address: '93.184.216.34', family: 4 }],
  'empty.test': [],
};

vi.mock('node:dns', () => ({
  lookup: (host: string, _opts: unknown, cb: (err: Error | null, addresses: LookupAddress[]) => void) =>
    cb(null, ANSWERS[host] ?? []),
}));

function resolveOne(host: string): Promise<{ err: NodeJS.ErrnoException | null; address: unknown }> {
  const lookup = guardedLookup(createEgressPolicy([], []));
  return new Promise((resolve) => lookup(host, { family: 0 }, (err, address) => resolve({ err, address })));
}

describe('guardedLookup', () => {
  it('passes the first public address through', async () => {
    expect(await resolveOne('public.test')).toEqual({ err: null, address: '93.184.216.34' });
  });

  it('fails an empty DNS answer with ENOTFOUND instead of throwing inside the callback', async () => {
    const { err } = await resolveOne('empty.test');
    expect(err).toMatchObject({ code: 'ENOTFOUND' });
  });
});
