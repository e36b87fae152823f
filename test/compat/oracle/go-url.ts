// The parts of Go's net/url that decide the URL Higress sends, written from the Go documentation for
// the compat oracle (deliberately not sharing code with servers/rest-to-mcp/request/go-url.ts, so the
// two can disagree). Only what Higress's request builder calls: url.Parse, URL.Query, Values.Set,
// Values.Encode, URL.EscapedPath.

/** A URL split the way Go's url.Parse splits it. */
export interface GoUrlParts {
  readonly scheme: string;
  readonly host: string;
  readonly path: string;
  readonly rawQuery: string;
}

/** url.Parse for absolute http(s) URLs and path-only references: fragment cut at the first `#`, query at the first `?`. */
export function splitUrl(text: string): GoUrlParts | undefined {
  const noFragment = text.split('#')[0]!;
  const m = /^([A-Za-z][A-Za-z0-9+.-]*):\/\/([^/?]*)([^?]*)(?:\?(.*))?$/s.exec(noFragment);
  if (m) return { scheme: m[1]!.toLowerCase(), host: m[2]!, path: m[3]!, rawQuery: m[4] ?? '' };
  // url.Parse also takes a path-only reference (`/notes/{id}`): Higress sends it to the route's own upstream.
  const path = /^(\/[^?]*)(?:\?(.*))?$/s.exec(noFragment);
  if (!path) return undefined;
  return { scheme: '', host: '', path: path[1]!, rawQuery: path[2] ?? '' };
}

const UNRESERVED = /^[A-Za-z0-9\-_.~]$/;

/** url.QueryEscape: unreserved bytes kept, space as '+', everything else %XX in upper case. */
export function queryEscape(s: string): string {
  let out = '';
  for (const byte of Buffer.from(s, 'utf8')) {
    const ch = String.fromCharCode(byte);
    out += UNRESERVED.test(ch) ? ch : ch === ' ' ? '+' : `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
}

/** url.QueryUnescape; undefined for a malformed escape (Go then drops the pair). */
function queryUnescape(s: string): string | undefined {
  if (/%(?![0-9A-Fa-f]{2})/.test(s)) return undefined;
  const bytes: number[] = [];
  for (let i = 0; i < s.length; i++) {
    const c = s[i]!;
    if (c === '%') {
      bytes.push(parseInt(s.slice(i + 1, i + 3), 16));
      i += 2;
    } else if (c === '+') bytes.push(0x20);
    else bytes.push(...Buffer.from(c, 'utf8'));
  }
  return Buffer.from(bytes).toString('utf8');
}

/** URL.Query (url.ParseQuery, errors ignored): '&'-separated pairs; a pair with ';' or a bad escape is dropped. */
export function parseQuery(raw: string): Map<string, string[]> {
  const values = new Map<string, string[]>();
  for (const pair of raw.split('&')) {
    if (pair === '' || pair.includes(';')) continue;
    const eq = pair.indexOf('=');
    const key = queryUnescape(eq < 0 ? pair : pair.slice(0, eq));
    const value = queryUnescape(eq < 0 ? '' : pair.slice(eq + 1));
    if (key === undefined || value === undefined) continue;
    values.set(key, [...(values.get(key) ?? []), value]);
  }
  return values;
}

/** Values.Encode: keys sorted (byte order), each value as QueryEscape(key)=QueryEscape(value). */
export function encodeQuery(values: ReadonlyMap<string, readonly string[]>): string {
  const keys = [...values.keys()].sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
  return keys.flatMap((k) => values.get(k)!.map((v) => `${queryEscape(k)}=${queryEscape(v)}`)).join('&');
}

// Bytes a path keeps as they are (RFC 3986 pchar plus '/'), which is what EscapedPath leaves alone.
const PATH_KEEP = /^[A-Za-z0-9\-_.~!$&'()*+,;=:@/]$/;
const VALID_PATH = /^(?:[A-Za-z0-9\-_.~!$&'()*+,;=:@/]|%[0-9A-Fa-f]{2})*$/;

/**
 * URL.EscapedPath: the path as written when it is a valid encoding, else the decoded path re-escaped.
 * Only the second branch's simple form is modelled (escape what is not a path character).
 */
export function escapedPath(path: string): string {
  if (VALID_PATH.test(path)) return path;
  let out = '';
  for (const byte of Buffer.from(path, 'utf8')) {
    const ch = String.fromCharCode(byte);
    out += PATH_KEEP.test(ch) ? ch : `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
}
