import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { errorResult } from './tool-result.js';

/** A usable secret value, or the isError result telling the operator how to fix it. */
export type SecretLookup = { readonly ok: true; readonly value: string } | { readonly ok: false; readonly result: CallToolResult };

/**
 * Reads a required secret at call time (not at createServer time, so tools/list works before the key is
 * set). Blank counts as missing; control characters are refused because they cannot go in a header.
 */
export function requireSecret(settings: Readonly<Record<string, string>>, serverName: string, setting: string): SecretLookup {
  const value = (settings[setting] ?? '').trim();
  const fix = `agate mcp add <name> --server ${serverName} --secret ${setting}=… --replace`;
  if (value === '') {
    return { ok: false, result: errorResult(`${serverName} is not configured: set the "${setting}" secret (${fix})`) };
  }
  if (/[\u0000-\u001f\u007f]/.test(value)) {
    return {
      ok: false,
      result: errorResult(`${serverName} is misconfigured: the "${setting}" secret contains control characters; set it again (${fix})`),
    };
  }
  return { ok: true, value };
}
