import { describe, expect, it } from 'vitest';
import { parseClientIp } from '../../../servers/shared/client-ip.js';

describe('parseClientIp', () => {
  it.each([
    ['1.2.3.4', '1.2.3.4'],
    ['1.2.3.4:5678', '1.2.3.4'],
    ['  10.0.0.1:80 ', '10.0.0.1'],
    ['2001:db8::1', '2001:db8::1'],
    ['[2001:db8::1]', '2001:db8::1'],
    ['[2001:db8::1]:443', '2001:db8::1'],
    ['::1', '::1'],
    ['::ffff:192.168.1.10', '192.168.1.10'],
    ['[::ffff:192.168.1.10]:8080', '192.168.1.10'],
  ])('%j → %j', (source, expected) => {
    expect(parseClientIp(source)).toBe(expected);
  });

  it.each(['', 'unknown', 'example.com', 'example.com:80', '1.2.3.4, 5.6.7.8', '999.1.1.1', '1.2.3.4:', '[1:2', '1.2.3.4:80:90'])(
    '%j is not an IP',
    (source) => {
      expect(parseClientIp(source)).toBeUndefined();
    },
  );
});
