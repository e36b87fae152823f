import { createHash } from 'node:crypto';

/** How member names are combined with tool, prompt and resource names at one endpoint. */
export interface NamingRule {
  /** Between server and name, e.g. `___` (Higress). */
  readonly separator: string;
  /** Whether names carry the member prefix (prefix mode resolved against the member count). */
  readonly prefixed: boolean;
}

/** The rule for a prefix mode: `conditional` prefixes only when the endpoint has more than one member. */
export function namingRule(mode: 'always' | 'conditional' | 'never', separator: string, memberCount: number): NamingRule {
  return { separator, prefixed: mode === 'always' || (mode === 'conditional' && memberCount > 1) };
}

// OpenAI-family function names: ^[a-zA-Z0-9_-]{1,64}$ (stricter than MCP's 128 chars with dots).
const LLM_SAFE = /^[A-Za-z0-9_-]{1,64}$/;
const MAX_NAME = 64;
const HASH_CHARS = 8;

/**
 * The name a client sees for `name` of `member`. Names that break LLM providers' rules (over 64 characters,
 * characters outside [A-Za-z0-9_-]) are fitted: unsafe characters become '_', the name is cut, and a short
 * hash of the full name keeps fitted names distinct. The caller keeps the mapping to route calls back.
 */
export function exposedName(member: string, name: string, rule: NamingRule): string {
  const full = rule.prefixed ? `${member}${rule.separator}${name}` : name;
  if (LLM_SAFE.test(full)) return full;
  const hash = createHash('sha256').update(full).digest('hex').slice(0, HASH_CHARS);
  const safe = full.replace(/[^A-Za-z0-9_-]/g, '_').slice(0, MAX_NAME - HASH_CHARS - 1);
  return `${safe}_${hash}`;
}

/** Resource URIs get the member as a scheme prefix (`time+file:///x`), as agentgateway does. */
export function exposedUri(member: string, uri: string, rule: NamingRule): string {
  return rule.prefixed ? `${member}+${uri}` : uri;
}

/** Splits a prefixed URI back into member and upstream URI; undefined when no member matches. */
export function splitUri(uri: string, members: readonly string[], rule: NamingRule): { member: string; uri: string } | undefined {
  if (!rule.prefixed) return members.length === 1 ? { member: members[0]!, uri } : undefined;
  const plus = uri.indexOf('+');
  const member = plus > 0 ? uri.slice(0, plus) : '';
  return members.includes(member) ? { member, uri: uri.slice(plus + 1) } : undefined;
}
