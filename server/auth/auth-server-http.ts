// agate as a client of authorization servers: the token endpoint (credential broker), the introspection
// endpoint and the issuer's metadata (resource server). One way to authenticate there and one bounded read,
// so a slow or hostile server costs a request its deadline and never an unbounded buffer.

/** Largest answer read from an authorization server; a larger one is an error. */
export const MAX_ANSWER_BYTES = 64 * 1024;

/** RFC 6749 §2.3.1 `client_secret_basic`: id and secret form-encoded (application/x-www-form-urlencoded), then Base64. */
export function clientSecretBasic(clientId: string, clientSecret: string): string {
  const encode = (v: string) => new URLSearchParams({ v }).toString().slice(2);
  return `Basic ${Buffer.from(`${encode(clientId)}:${encode(clientSecret)}`).toString('base64')}`;
}

/** What one request to an authorization server needs. */
export interface AuthServerRequest {
  readonly method?: 'GET' | 'POST';
  readonly headers: Record<string, string>;
  /** A form body (POST). */
  readonly form?: URLSearchParams;
  /** `manual` where a redirect must not move credentials elsewhere (the token endpoint); fetch's default otherwise. */
  readonly redirect?: 'manual';
  /** The whole exchange, answer included, ends by then, ms. */
  readonly timeoutMs: number;
}

/** An authorization server's answer: its status, its text, and the text as a JSON object when it is one. */
export interface AuthServerAnswer {
  readonly status: number;
  readonly ok: boolean;
  readonly text: string;
  readonly json: Record<string, unknown> | undefined;
}

/** Sends `req` to `url`; throws when the server cannot be reached, answers too slowly, or answers too much. */
export async function askAuthServer(url: string, req: AuthServerRequest): Promise<AuthServerAnswer> {
  const res = await fetch(url, {
    method: req.method ?? 'GET',
    headers: req.headers,
    body: req.form?.toString(),
    redirect: req.redirect,
    signal: AbortSignal.timeout(req.timeoutMs),
  });
  const text = await readBounded(res);
  return { status: res.status, ok: res.ok, text, json: jsonObject(text) };
}

async function readBounded(res: Response): Promise<string> {
  if (!res.body) return '';
  const reader = res.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > MAX_ANSWER_BYTES) {
      await reader.cancel();
      throw new Error(`the answer is larger than ${MAX_ANSWER_BYTES} bytes`);
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks).toString('utf8');
}

function jsonObject(text: string): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(text);
    return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}
