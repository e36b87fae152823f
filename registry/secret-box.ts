import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync, chmodSync } from 'node:fs';
import { dirname, join } from 'node:path';

/** An AES-256-GCM sealed value, as stored in the secrets table. */
export interface SealedValue {
  nonce: Buffer;
  ciphertext: Buffer;
  tag: Buffer;
}

/** Encrypts and decrypts secret values with one 256-bit key kept outside the database. */
export class SecretBox {
  constructor(private readonly key: Buffer) {
    if (key.length !== 32) throw new Error('secret key must be 32 bytes');
  }

  /** Seals `plaintext`; `name` is bound as associated data so a row cannot be swapped for another. */
  seal(name: string, plaintext: string): SealedValue {
    const nonce = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.key, nonce);
    cipher.setAAD(Buffer.from(name));
    const ciphertext = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
    return { nonce, ciphertext, tag: cipher.getAuthTag() };
  }

  /** Opens a sealed value; throws when the key is wrong or the row was tampered with. */
  open(name: string, sealed: SealedValue): string {
    const decipher = createDecipheriv('aes-256-gcm', this.key, sealed.nonce);
    decipher.setAAD(Buffer.from(name));
    decipher.setAuthTag(sealed.tag);
    return Buffer.concat([decipher.update(sealed.ciphertext), decipher.final()]).toString('utf8');
  }

  /**
   * A box with its own key derived from this one (HKDF-SHA256, `purpose` as info): state sealed for another store
   * (MCP session state in Redis) is opened only with the registry's key, and never with the secrets table's own.
   */
  derive(purpose: string): SecretBox {
    return new SecretBox(Buffer.from(hkdfSync('sha256', this.key, Buffer.alloc(0), purpose, 32)));
  }
}

/** The registry's secret key is missing or does not fit the values stored with it; the message says what to do. */
export class SecretKeyError extends Error {
  override name = 'SecretKeyError';
}

/**
 * The secret key: `AGATE_SECRET_KEY` (64 hex chars or base64 of 32 bytes) if set, else a key file
 * beside the database, generated once with mode 0600. No key is generated for a registry that already holds
 * encrypted values (`holdsSecrets`): a new key could not open them, so a registry restored without its key
 * is refused rather than silently broken.
 */
export function loadSecretKey(dbPath: string, env: NodeJS.ProcessEnv = process.env, holdsSecrets: () => boolean = () => false): Buffer {
  const fromEnv = env.AGATE_SECRET_KEY;
  if (fromEnv) return parseKey(fromEnv, 'AGATE_SECRET_KEY');
  if (dbPath === ':memory:') return randomBytes(32);
  const file = join(dirname(dbPath), 'secret.key');
  if (existsSync(file)) return parseKey(readFileSync(file, 'utf8').trim(), file);
  if (holdsSecrets()) {
    throw new SecretKeyError(
      `registry ${dbPath} holds encrypted values but its key ${file} is missing: restore secret.key from the same backup ` +
        'as the registry, or set AGATE_SECRET_KEY to that key (agate does not generate a new key, which could not open them)',
    );
  }
  const key = randomBytes(32);
  try {
    writeFileSync(file, key.toString('hex') + '\n', { mode: 0o600, flag: 'wx' });
  } catch (err) {
    // Another process created it first: use theirs, so both agree on one key.
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return parseKey(readFileSync(file, 'utf8').trim(), file);
    throw err;
  }
  chmodSync(file, 0o600);
  return key;
}

function parseKey(text: string, source: string): Buffer {
  const key = /^[0-9a-fA-F]{64}$/.test(text) ? Buffer.from(text, 'hex') : Buffer.from(text, 'base64');
  if (key.length !== 32) throw new Error(`${source} must hold a 256-bit key (64 hex characters or base64 of 32 bytes)`);
  return key;
}
