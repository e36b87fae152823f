import { describe, expect, it } from 'vitest';
import { normalizePath } from '../../../server/ingress/normalize-path.js';

describe('normalizePath (RFC 3986 §6.2.2 before routing)', () => {
  it.each([
    ['/', '/'],
    ['/api/x', '/api/x'],
    ['/api/x/', '/api/x/'],
    ['/api//x', '/api/x'],
    ['//api///x', '/api/x'],
    ['/api/./x', '/api/x'],
    ['/api/x/.', '/api/x/'],
    ['/api/x/..', '/api/'],
    ['/api/../admin', '/admin'],
    ['/api/%2e%2e/admin', '/admin'],
    ['/api/%2E%2e/admin', '/admin'],
    ['/api/.%2e/admin', '/admin'],
    ['/api/%2e/x', '/api/x'],
    ['/a/b/c/../../d', '/a/d'],
    ['/..a/b', '/..a/b'],
    ['/a..b/c', '/a..b/c'],
    ['/file.txt', '/file.txt'],
    // Other percent-encodings are left as sent: %2F is data, not a separator.
    ['/api/a%2Fb', '/api/a%2Fb'],
    ['/api/%20x', '/api/%20x'],
    ['/api/%2e%2e%2fadmin', '/api/..%2fadmin'],
  ])('%s → %s', (raw, expected) => {
    expect(normalizePath(raw)).toEqual({ ok: true, path: expected });
  });

  it.each([
    ['/..', 'path climbs above the root'],
    ['/../etc/passwd', 'path climbs above the root'],
    ['/a/../../b', 'path climbs above the root'],
    ['/%2e%2e/x', 'path climbs above the root'],
    ['/a%00b', 'path contains a NUL byte'],
    ['/a\0b/..', 'path contains a NUL byte'],
    ['/a\0b', 'path contains a NUL byte'],
    ['relative/path', 'request target must start with "/"'],
    ['', 'request target must start with "/"'],
  ])('refuses %j: %s', (raw, reason) => {
    expect(normalizePath(raw)).toEqual({ ok: false, reason });
  });

  it('is idempotent', () => {
    for (const raw of ['/api//x/./y/../z/', '/a/%2e%2e/b', '/x/y/.']) {
      const once = normalizePath(raw);
      if (!once.ok) throw new Error(once.reason);
      expect(normalizePath(once.path)).toEqual(once);
    }
  });
});
