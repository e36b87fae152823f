import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { SecretBox } from '../../../../../registry/secret-box.js';
import { RequestStates } from '../../../../../server/targets/mcp-router/downstream/request-state.js';
import type { SealingBox } from '../../../../../server/targets/mcp-router/downstream/session-seal.js';

// The sealed requestState of MRTR exchanges (mrtr.mdx §Server Requirements 4–5), with a real AES-256-GCM box
// (the registry's SecretBox) that counts how often it is asked to decrypt.

function countingBox(): SealingBox & { opened: number } {
  const box = new SecretBox(randomBytes(32));
  const counting = { opened: 0, seal: box.seal.bind(box), open: (name: string, sealed: Parameters<SecretBox['open']>[1]) => (counting.opened++, box.open(name, sealed)) };
  return counting;
}

const call = (name: string) => ({ jsonrpc: '2.0' as const, id: 1, method: 'tools/call', params: { name } });
const alice = { server: 'files', consumer: 'alice' };
const claims = (ttlMs: number) => ({ exchange: 'x1', round: 'r1', method: 'tools/call', target: 'confirm', issued: Date.now(), expires: Date.now() + ttlMs });

describe('requestState', () => {
  it('opens for the same consumer, server and request, and for no other', () => {
    const states = new RequestStates(countingBox);
    const state = states.issue(alice, claims(60_000));
    expect(states.open(alice, state, call('confirm'))).toMatchObject({ exchange: 'x1', round: 'r1', replica: states.replica });
    const code = (f: () => unknown) => {
      try {
        f();
      } catch (err) {
        return (err as { code: string }).code;
      }
      return 'opened';
    };
    expect(code(() => states.open({ server: 'files', consumer: 'bob' }, state, call('confirm')))).toBe('GW_ERR_MCP_REQUEST_STATE_INVALID');
    expect(code(() => states.open({ server: 'other', consumer: 'alice' }, state, call('confirm')))).toBe('GW_ERR_MCP_REQUEST_STATE_INVALID');
    expect(code(() => states.open({ server: 'files', consumer: undefined }, state, call('confirm')))).toBe('GW_ERR_MCP_REQUEST_STATE_INVALID');
    expect(code(() => states.open(alice, state, call('interview')))).toBe('GW_ERR_MCP_REQUEST_STATE_INVALID');
    expect(code(() => states.open(alice, states.issue(alice, claims(-1)), call('confirm')))).toBe('GW_ERR_MCP_REQUEST_STATE_EXPIRED');
  });

  it('a state far longer than any agate issues is refused without being decrypted', () => {
    const box = countingBox();
    const states = new RequestStates(() => box);
    const big = `v1.${'A'.repeat(16)}.${'B'.repeat(22)}.${'C'.repeat(512 * 1024)}`;
    expect(() => states.open(alice, big, call('confirm'))).toThrow(/requestState/);
    expect(box.opened).toBe(0);
    // An issued state is well under the bound, even with a long tool name.
    const long = states.issue(alice, { ...claims(60_000), target: 'n'.repeat(128) });
    expect(long.length).toBeLessThan(1024);
  });

  it('a member’s own state wraps inside: opened for the same consumer, server and request only; up to 64 KiB as JSON, and what is issued opens', () => {
    const states = new RequestStates(countingBox);
    const member = (state: string | undefined, ttlMs = 60_000) => ({ member: 'nova', ...(state === undefined ? {} : { state }), method: 'tools/call', target: 'confirm', issued: Date.now(), expires: Date.now() + ttlMs });
    const sealed = states.issueForMember(alice, member('opaque-state'));
    expect(sealed).not.toContain('opaque');
    expect(states.open(alice, sealed, call('confirm'))).toMatchObject({ kind: 'member', member: 'nova', state: 'opaque-state' });
    expect(states.open(alice, states.issueForMember(alice, member(undefined)), call('confirm'))).not.toHaveProperty('state');
    expect(() => states.open({ server: 'files', consumer: 'bob' }, sealed, call('confirm'))).toThrow(expect.objectContaining({ code: 'GW_ERR_MCP_REQUEST_STATE_INVALID' }));
    expect(() => states.open(alice, sealed, call('interview'))).toThrow(expect.objectContaining({ code: 'GW_ERR_MCP_REQUEST_STATE_INVALID' }));
    expect(() => states.open(alice, states.issueForMember(alice, member('s', -1)), call('confirm'))).toThrow(expect.objectContaining({ code: 'GW_ERR_MCP_REQUEST_STATE_EXPIRED' }));
    // The longest a member may send (64 KiB as JSON, quotes included) is issued, and opens again: the open bound fits it.
    const largest = states.issueForMember(alice, member('s'.repeat(64 * 1024 - 2)));
    expect(states.open(alice, largest, call('confirm'))).toMatchObject({ member: 'nova' });
    // One character more, or a short state that JSON escapes to more (control characters: six each), is refused.
    expect(() => states.issueForMember(alice, member('s'.repeat(64 * 1024 - 1)))).toThrow(expect.objectContaining({ code: 'GW_ERR_MCP_MEMBER_STATE_TOO_LARGE' }));
    expect(() => states.issueForMember(alice, member('\u0001'.repeat(11_000)))).toThrow(expect.objectContaining({ code: 'GW_ERR_MCP_MEMBER_STATE_TOO_LARGE' }));
  });
});
