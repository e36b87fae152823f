// agate as a client of authorization servers: the token endpoint (credential broker, token vault), the
// introspection endpoint and the issuer's metadata (resource server, token vault). One way to authenticate there and one bounded read,
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

/**
 * The issuer's metadata document: RFC 8414's (the well-known path inserted before the issuer's path), else OpenID
 * Discovery's (appended). It must name exactly this issuer (RFC 8414 §3.3), or it is not used. Throws with what
 * each place answered.
 */
export async function issuerMetadata(issuer: string, timeoutMs: number): Promise<Record<string, unknown>> {
  const url = new URL(issuer);
  const path = url.pathname === '/' ? '' : url.pathname.replace(/\/$/, '');
  const candidates = [`${url.origin}/.well-known/oauth-authorization-server${path}`, `${url.origin}${path}/.well-known/openid-configuration`];
  const failures: string[] = [];
  for (const candidate of candidates) {
    try {
      const answer = await askAuthServer(candidate, { headers: { accept: 'application/json' }, timeoutMs });
      if (!answer.ok) throw new Error(`HTTP ${answer.status}`);
      if (!answer.json) throw new Error('the answer is not a JSON object');
      if (answer.json.issuer !== issuer) throw new Error(`names issuer ${String(answer.json.issuer)}, not ${issuer}`);
      return answer.json;
    } catch (err) {
      failures.push(`${candidate}: ${(err as Error).message}`);
    }
  }
  throw new Error(`no metadata of issuer ${issuer} (${failures.join('; ')})`);
}

function jsonObject(text: string): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(text);
    return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}
