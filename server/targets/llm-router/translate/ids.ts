import { randomBytes } from 'node:crypto';

/** Mints a random id with a protocol prefix (`chatcmpl-`, `msg_`, `call_`, `toolu_`). */
export function newId(prefix: string): string {
  return prefix + randomBytes(12).toString('hex');
}

/** Current time in whole seconds, the unit of OpenAI's `created`. */
export function nowSeconds(): number {
  return Math.floor(Date.now() / 1000);
}
