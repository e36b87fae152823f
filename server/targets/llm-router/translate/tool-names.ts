/**
 * OpenAI function names are limited to 64 characters; Anthropic clients (Claude Code with MCP tools) send
 * longer ones. Long names are shortened deterministically and the map restores them on the way back
 * (LiteLLM's `tool_name_mapping`).
 */

/** Longest function name OpenAI-compatible APIs accept. */
export const MAX_TOOL_NAME_LENGTH = 64;

/** Shortened upstream name → the client's original name; only shortened names have entries. */
export type ToolNameMap = ReadonlyMap<string, string>;

function fnv1a(text: string): string {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return (hash >>> 0).toString(16).padStart(8, '0');
}

/** Returns `name` unchanged when it fits, else a 64-character prefix + `_` + 8-hex hash of the full name. */
export function shortenToolName(name: string): string {
  if (name.length <= MAX_TOOL_NAME_LENGTH) return name;
  return `${name.slice(0, MAX_TOOL_NAME_LENGTH - 9)}_${fnv1a(name)}`;
}

/** Records `name` in `map` if it had to be shortened; returns the upstream name. */
export function registerToolName(map: Map<string, string>, name: string): string {
  const short = shortenToolName(name);
  if (short !== name) map.set(short, name);
  return short;
}

/** Restores a client-facing tool name from an upstream one. */
export function restoreToolName(map: ToolNameMap | undefined, name: string): string {
  return map?.get(name) ?? name;
}
