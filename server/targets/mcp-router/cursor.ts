/**
 * Composite pagination cursors for lists merged from several members: which member to ask next and that
 * member's own cursor (or an offset into a cached list). Opaque to clients: base64url JSON.
 */
export interface CompositeCursor {
  /** Index of the member in the endpoint's member order. */
  readonly m: number;
  /** The member's own cursor. */
  readonly c?: string;
  /** Offset into a cached list (tools). */
  readonly o?: number;
}

/** Encodes a cursor for `nextCursor`. */
export function encodeCursor(cursor: CompositeCursor): string {
  return Buffer.from(JSON.stringify(cursor)).toString('base64url');
}

/** Decodes a client's cursor; undefined for anything we did not issue (answered with -32602). */
export function decodeCursor(text: string | undefined): CompositeCursor | undefined {
  if (text === undefined) return { m: 0 };
  try {
    const value = JSON.parse(Buffer.from(text, 'base64url').toString('utf8')) as Record<string, unknown>;
    if (!Number.isSafeInteger(value.m) || (value.m as number) < 0) return undefined;
    if (value.c !== undefined && typeof value.c !== 'string') return undefined;
    if (value.o !== undefined && (!Number.isSafeInteger(value.o) || (value.o as number) < 0)) return undefined;
    return { m: value.m as number, c: value.c as string | undefined, o: value.o as number | undefined };
  } catch {
    return undefined;
  }
}
