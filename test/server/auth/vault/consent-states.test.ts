import { describe, expect, it } from 'vitest';
import { CONSENT_TTL_MS, ConsentStates } from '../../../../server/auth/vault/consent-states.js';

// The vault's states: single-use, short-lived, unguessable, bounded per consumer. A clock is injected so expiry
// is checked without waiting ten minutes.
describe('ConsentStates', () => {
  const subject = (consumer: string) => ({ consumer, server: 'files', elicitationId: 'e' });

  it('a link is taken once; a second take is refused', () => {
    const states = new ConsentStates();
    const token = states.link(subject('alice'));
    expect(token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(states.takeLink(token)?.consumer).toBe('alice');
    expect(states.takeLink(token)).toBeUndefined();
  });

  it('an expired link or flow state is refused', () => {
    let now = 1_000_000;
    const states = new ConsentStates(() => now);
    const link = states.link(subject('alice'));
    const flow = states.flow({ ...subject('alice'), verifier: 'v', redirectUri: 'http://gw/cb' });
    now += CONSENT_TTL_MS;
    expect(states.takeLink(link)).toBeUndefined();
    expect(states.takeFlow(flow)).toBeUndefined();
  });

  it('links and flow states are separate: a link token is not a valid callback state', () => {
    const states = new ConsentStates();
    const link = states.link(subject('alice'));
    expect(states.takeFlow(link)).toBeUndefined();
    expect(states.takeLink(link)?.consumer).toBe('alice');
  });

  it('one consumer holds at most 16 waiting links (the oldest go first); others keep theirs', () => {
    const states = new ConsentStates();
    const bob = states.link(subject('bob'));
    const alice = Array.from({ length: 20 }, () => states.link(subject('alice')));
    expect(alice.slice(0, 4).map((t) => states.takeLink(t))).toEqual([undefined, undefined, undefined, undefined]);
    expect(alice.slice(4).every((t) => states.takeLink(t)?.consumer === 'alice')).toBe(true);
    expect(states.takeLink(bob)?.consumer).toBe('bob');
  });
});
