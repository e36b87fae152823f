import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { Registry } from '../../registry/index.js';
import { SecretBox, loadSecretKey } from '../../registry/secret-box.js';
import { tempDir } from '../helpers/temp-dir.js';

const cleanups: Array<() => void> = [];
afterEach(() => {
  while (cleanups.length) cleanups.pop()!();
});

/** A registry in a fresh folder; `secret.key` would be created beside it. */
function freshRegistry(): { registry: Registry; dir: string; db: string } {
  const t = tempDir();
  const db = join(t.dir, 'agate.db');
  const registry = Registry.open(db);
  cleanups.push(() => {
    registry.close();
    t.cleanup();
  });
  return { registry, dir: t.dir, db };
}

function rawRow(registry: Registry, name: string): { nonce: Buffer; ciphertext: Buffer; tag: Buffer } {
  return registry.db.prepare('SELECT nonce, ciphertext, tag FROM secrets WHERE name = ?').get(name) as { nonce: Buffer; ciphertext: Buffer; tag: Buffer };
}

describe('secrets at rest', () => {
  it.each([
    ['a short API key', 'sk-test-1234567890'],
    ['unicode', 'pässwörd-🔑-密钥'],
    ['a long value', 'x'.repeat(65536)],
  ])('round-trips %s', (_what, value) => {
    const { registry } = freshRegistry();
    registry.secrets.put('provider-key', value, 'cli');
    expect(registry.secrets.get('provider-key')).toBe(value);
    expect(registry.secrets.names()).toEqual(['provider-key']);
  });

  it('stores ciphertext, never the plaintext, with a fresh nonce per write', () => {
    const { registry, db } = freshRegistry();
    const value = 'sk-live-plaintext-must-not-appear';
    registry.secrets.put('k', value, 'cli');
    const first = rawRow(registry, 'k');
    expect(first.nonce).toHaveLength(12);
    expect(first.tag).toHaveLength(16);
    expect(first.ciphertext.includes(Buffer.from(value))).toBe(false);
    registry.secrets.put('k', value, 'cli');
    const second = rawRow(registry, 'k');
    expect(second.nonce.equals(first.nonce)).toBe(false);
    expect(second.ciphertext.equals(first.ciphertext)).toBe(false);
    // Nowhere in the file or its WAL either, and the audit log records the name only.
    registry.db.pragma('wal_checkpoint(TRUNCATE)');
    expect(readFileSync(db).includes(Buffer.from(value))).toBe(false);
    const audit = registry.audit.list().filter((a) => a.entity === 'secret');
    expect(audit.map((a) => [a.action, a.name, a.detail])).toEqual([
      ['update', 'k', null],
      ['create', 'k', null],
    ]);
  });

  it('creates the key file with mode 0600 once, and reuses it', () => {
    const { registry, dir, db } = freshRegistry();
    const keyFile = join(dir, 'secret.key');
    // Commands that never touch secrets never create a key.
    registry.routes.create({ name: 'r', path: '/r', upstream: 'http://127.0.0.1:9' }, 'cli');
    expect(existsSync(keyFile)).toBe(false);

    registry.secrets.put('k', 'v1', 'cli');
    expect(statSync(keyFile).mode & 0o777).toBe(0o600);
    const key = readFileSync(keyFile, 'utf8');
    expect(key.trim()).toMatch(/^[0-9a-f]{64}$/);

    const again = Registry.open(db);
    try {
      expect(again.secrets.get('k')).toBe('v1');
      again.secrets.put('k2', 'v2', 'cli');
    } finally {
      again.close();
    }
    expect(readFileSync(keyFile, 'utf8')).toBe(key);
    expect(loadSecretKey(db, {}).toString('hex')).toBe(key.trim());
  });

  it('prefers AGATE_SECRET_KEY over the key file, and creates no file when it is set', () => {
    const { dir, db } = freshRegistry();
    const envKey = randomBytes(32);
    expect(loadSecretKey(db, { AGATE_SECRET_KEY: envKey.toString('hex') }).equals(envKey)).toBe(true);
    expect(loadSecretKey(db, { AGATE_SECRET_KEY: envKey.toString('base64') }).equals(envKey)).toBe(true);
    expect(existsSync(join(dir, 'secret.key'))).toBe(false);

    const fileKey = loadSecretKey(db, {});
    expect(existsSync(join(dir, 'secret.key'))).toBe(true);
    expect(fileKey.equals(envKey)).toBe(false);
    expect(loadSecretKey(db, { AGATE_SECRET_KEY: envKey.toString('hex') }).equals(envKey)).toBe(true);
  });

  it.each([
    ['too short', 'abc'],
    ['63 hex characters', 'a'.repeat(63)],
    ['base64 of 16 bytes', randomBytes(16).toString('base64')],
  ])('refuses an AGATE_SECRET_KEY that is %s', (_what, value) => {
    const { db } = freshRegistry();
    expect(() => loadSecretKey(db, { AGATE_SECRET_KEY: value })).toThrow('AGATE_SECRET_KEY must hold a 256-bit key');
  });

  it('cannot decrypt with a different key, and says so', () => {
    const { registry, dir, db } = freshRegistry();
    registry.secrets.put('k', 'v', 'cli');
    writeFileSync(join(dir, 'secret.key'), randomBytes(32).toString('hex') + '\n');
    const other = Registry.open(db);
    try {
      expect(() => other.secrets.get('k')).toThrow('secret "k" cannot be decrypted: the secret key differs from the one that sealed it');
    } finally {
      other.close();
    }
  });

  it('detects two rows whose sealed values were swapped (the name is bound as associated data)', () => {
    const { registry } = freshRegistry();
    registry.secrets.put('alpha', 'value-of-alpha', 'cli');
    registry.secrets.put('beta', 'value-of-beta', 'cli');
    const a = rawRow(registry, 'alpha');
    const b = rawRow(registry, 'beta');
    const swap = registry.db.prepare('UPDATE secrets SET nonce = ?, ciphertext = ?, tag = ? WHERE name = ?');
    swap.run(b.nonce, b.ciphertext, b.tag, 'alpha');
    swap.run(a.nonce, a.ciphertext, a.tag, 'beta');
    expect(() => registry.secrets.get('alpha')).toThrow(/secret "alpha" cannot be decrypted.*altered/);
    expect(() => registry.secrets.get('beta')).toThrow(/secret "beta" cannot be decrypted.*altered/);
  });

  it('detects a flipped ciphertext bit', () => {
    const box = new SecretBox(randomBytes(32));
    const sealed = box.seal('k', 'hello');
    expect(box.open('k', sealed)).toBe('hello');
    sealed.ciphertext[0]! ^= 1;
    expect(() => box.open('k', sealed)).toThrow();
  });
});
