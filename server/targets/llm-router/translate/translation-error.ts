/**
 * A request a translator cannot express for the target protocol (bad tool arguments, `n>1` to Anthropic...).
 * Carries what an OpenAI- or Anthropic-shaped 400 needs; the ingress adapter renders it.
 */
export class TranslationError extends Error {
  override readonly name = 'TranslationError';
  /** Stable machine code for the error body's `code`. */
  readonly code: string;
  /** JSON path of the offending request field, or null. */
  readonly param: string | null;
  /** HTTP status to answer with: 400 for client input, 502 for an upstream body we cannot translate. */
  readonly status: number;

  /** Creates an error for `param` with a specific, human-readable message. */
  constructor(message: string, options: { param?: string | null; code?: string; status?: number } = {}) {
    super(message);
    this.param = options.param ?? null;
    this.code = options.code ?? 'invalid_request';
    this.status = options.status ?? 400;
  }
}

/** True for a non-null, non-array object. */
export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Like {@link isRecord} but without narrowing, for values already typed as a wire shape. */
export function isObject(value: unknown): boolean {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Parses tool-call `arguments` JSON into an object; empty means `{}`, anything else non-object is a 400. */
export function parseToolArguments(raw: unknown, param: string): Record<string, unknown> {
  if (raw === undefined || raw === null || raw === '') return {};
  if (typeof raw !== 'string') throw new TranslationError(`${param} must be a JSON string`, { param });
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    throw new TranslationError(`${param} is not valid JSON`, { param, code: 'invalid_tool_arguments' });
  }
  if (!isRecord(parsed)) {
    throw new TranslationError(`${param} must encode a JSON object`, { param, code: 'invalid_tool_arguments' });
  }
  return parsed;
}

/** A 502 for an upstream body that cannot be translated (not the client's fault). */
export function badUpstreamBody(message: string): TranslationError {
  return new TranslationError(message, { status: 502, code: 'bad_upstream_response' });
}

/** Throws a 400 unless `value` is an array; returns it typed. */
export function requireArray<T>(value: unknown, param: string): T[] {
  if (!Array.isArray(value)) throw new TranslationError(`${param} must be an array`, { param });
  return value as T[];
}

/** Throws a 400 unless `value` is a non-empty string. */
export function requireString(value: unknown, param: string): string {
  if (typeof value !== 'string' || value.length === 0) {
    throw new TranslationError(`${param} must be a non-empty string`, { param });
  }
  return value;
}
