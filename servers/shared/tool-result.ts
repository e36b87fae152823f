import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';

/** A successful tool result holding one text block. */
export function textResult(text: string): CallToolResult {
  return { content: [{ type: 'text', text }] };
}

/** A tool result with `isError: true`: the tool ran and failed (design §5), not a protocol error. */
export function errorResult(text: string): CallToolResult {
  return { content: [{ type: 'text', text }], isError: true };
}

const EXCERPT_CHARS = 200;

/**
 * A short, single-line excerpt of an upstream body for error messages. Secrets are masked first,
 * because some APIs echo the request (and with it the key) in their error pages.
 */
export function bodyExcerpt(body: string, secrets: readonly string[] = []): string {
  let text = body;
  for (const secret of secrets) {
    if (secret !== '') text = text.split(secret).join('***');
  }
  text = text.replace(/\s+/g, ' ').trim();
  return text.length > EXCERPT_CHARS ? `${text.slice(0, EXCERPT_CHARS)}…` : text;
}
