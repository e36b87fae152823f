/** A refusal from the admin API, in its one error shape (docs/errors.md). */
export class ApiError extends Error {
  readonly code: string;
  readonly problems: readonly string[];

  constructor(
    readonly status: number,
    body: { code: string; message: string; problems?: readonly string[] },
  ) {
    super(body.message);
    this.code = body.code;
    this.problems = body.problems ?? [];
  }

  /** The message with its problems, one a line. */
  describe(): string {
    return [this.message, ...this.problems].join('\n');
  }
}

/** Fired on `window` when the session is gone (401): the shell shows the sign-in page. */
export const SIGNED_OUT = 'agate:signed-out';

/**
 * Calls the admin API with the session cookie. Every request carries `X-Agate-Console: 1`: with the browser's own
 * Origin header it is what the server's CSRF check asks of a cookie-authenticated write.
 */
export async function api<T = unknown>(method: string, path: string, body?: unknown): Promise<T> {
  const headers: Record<string, string> = { 'X-Agate-Console': '1' };
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  const res = await fetch(path, { method, headers, credentials: 'same-origin', body: body === undefined ? undefined : JSON.stringify(body) });
  if (res.status === 204) return undefined as T;
  const data = (await res.json().catch(() => ({}))) as { error?: { code?: string; message?: string; problems?: string[] } };
  if (res.ok) return data as T;
  const e = data.error ?? {};
  if (res.status === 401) window.dispatchEvent(new Event(SIGNED_OUT));
  throw new ApiError(res.status, { code: e.code ?? `HTTP ${res.status}`, message: e.message ?? res.statusText, problems: e.problems });
}

/** The text to show for any failure. */
export function errorText(err: unknown): string {
  return err instanceof ApiError ? `${err.code}: ${err.describe()}` : String((err as Error)?.message ?? err);
}
