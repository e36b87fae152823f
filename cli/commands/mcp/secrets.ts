import { createHash } from 'node:crypto';
import { MASK as REGISTRY_MASK, isPlainName, type McpServerSpec, type Registry } from '../../../registry/index.js';

/** A value `mcp add` stores encrypted: its secret name and the value. */
export interface PendingSecret {
  readonly name: string;
  readonly value: string;
  /** What it is for, e.g. `header Authorization`, for the command's output (never the value). */
  readonly label: string;
}

/** Where a secret is referenced from: hosted/REST settings, remote headers, stdio env, OAuth introspection, upstream auth. */
export type SecretPart = 'setting' | 'header' | 'env' | 'introspection' | 'auth';

/**
 * Whether a header or environment variable value is stored encrypted and masked: every name not known to be
 * plain (registry/secret-fields.ts), so a credential under a name no heuristic recognises is never plain text.
 */
export function looksSecret(name: string): boolean {
  return !isPlainName(name);
}

const NAME_RULE = /^[a-z0-9][a-z0-9._-]{0,62}$/;

/**
 * The registry secret name for `key` of server `server`: `mcp.<server>.<part>.<key>`, lower-cased (secret names
 * are), with a short hash of the exact key when the readable form had to change or is too long, so `apiKey` and
 * `APIKEY` never share a secret. Every name starts with `mcp.<server>.`, which `remove` relies on.
 */
export function secretName(server: string, part: SecretPart, key: string): string {
  const slug = key.toLowerCase().replace(/[^a-z0-9._-]/g, '-');
  const plain = `${ownedPrefix(server)}${part[0]}.${slug}`;
  if (slug === key && NAME_RULE.test(plain)) return plain;
  const hash = createHash('sha256').update(key).digest('hex').slice(0, 8);
  return `${plain.slice(0, 63 - hash.length - 1)}-${hash}`;
}

/** Secret names `mcp add` made for `server` all start with this. */
function ownedPrefix(server: string): string {
  return `mcp.${server}.`;
}

/** Every secret name a spec references (settings, headers, env, the OAuth introspection and upstream client secrets). */
export function referencedSecrets(spec: McpServerSpec): string[] {
  const b = spec.backend;
  const refs =
    b.kind === 'hosted' || b.kind === 'rest' ? b.secretSettings : b.kind === 'remote' ? b.secretHeaders : b.kind === 'stdio' ? b.secretEnv : undefined;
  const introspection = spec.auth?.introspection?.clientSecret;
  const clientSecret = b.kind === 'remote' ? b.upstreamAuth?.clientSecret : undefined;
  return [...Object.values(refs ?? {}), ...[introspection, clientSecret].filter((s): s is string => s !== undefined)];
}

/**
 * Deletes the secrets `mcp add` made for `spec` (named under its prefix) that `keep` no longer references;
 * secrets shared by name with other entities are left alone. Runs inside the caller's transaction.
 */
export function dropOwnedSecrets(registry: Registry, spec: McpServerSpec, keep: readonly string[] = []): void {
  for (const name of referencedSecrets(spec)) {
    if (name.startsWith(ownedPrefix(spec.name)) && !keep.includes(name) && registry.secrets.has(name)) registry.secrets.remove(name, 'cli');
  }
}

/** Splits `K: V` (headers) or `K=V` (env, settings) at the first separator; undefined when there is none. */
export function splitPair(text: string, separator: ':' | '='): [string, string] | undefined {
  const at = text.indexOf(separator);
  if (at <= 0) return undefined;
  return [text.slice(0, at).trim(), text.slice(at + 1).trim()];
}

/** What `show` prints instead of a stored secret's value. */
export const MASK = REGISTRY_MASK;
