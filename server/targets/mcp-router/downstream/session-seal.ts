/** An AES-256-GCM sealed value (registry/secret-box.ts's shape: the server never imports the registry's internals). */
interface Sealed {
  nonce: Buffer;
  ciphertext: Buffer;
  tag: Buffer;
}

/** What seals session state: authenticated encryption, `name` bound as associated data (the registry's SecretBox). */
export interface SealingBox {
  seal(name: string, plaintext: string): Sealed;
  /** Throws when the key is wrong or the value was tampered with. */
  open(name: string, sealed: Sealed): string;
}

const VERSION = 'v1';

/**
 * Sealed session state as one string, `v1.<nonce>.<tag>.<ciphertext>` (base64url): upstream session ids kept in
 * a shared store are useless to whoever reads the store without the registry's key, and cannot be moved to
 * another session or member (the name is bound).
 */
export class SessionSeal {
  constructor(private readonly box: SealingBox) {}

  /** `plaintext` sealed under `name`. */
  seal(name: string, plaintext: string): string {
    const { nonce, tag, ciphertext } = this.box.seal(name, plaintext);
    return [VERSION, nonce, tag, ciphertext].map((p) => (typeof p === 'string' ? p : p.toString('base64url'))).join('.');
  }

  /** The plaintext sealed under `name`, or undefined when `text` is not one (another key, another name, tampered). */
  open(name: string, text: string): string | undefined {
    const [version, nonce, tag, ciphertext] = text.split('.');
    if (version !== VERSION || nonce === undefined || tag === undefined || ciphertext === undefined) return undefined;
    try {
      return this.box.open(name, { nonce: Buffer.from(nonce, 'base64url'), tag: Buffer.from(tag, 'base64url'), ciphertext: Buffer.from(ciphertext, 'base64url') });
    } catch {
      return undefined;
    }
  }
}
