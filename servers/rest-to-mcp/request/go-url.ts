// Go's net/url behaviour that decides the exact upstream URL Higress sends (higress-mcp.md §2.4 step 5,
// §2.4 step 9): `url.Parse`, `URL.EscapedPath`, `URL.Query` and `Values.Encode`. Strings here that
// stand for Go byte strings are "byte strings": one char per byte (latin1), so invalid UTF-8 and
// percent-escapes round-trip exactly as in Go.

/** The parts of a parsed URL that Higress's final URL is built from. */
export interface GoUrl {
  /** Lower-case scheme without ':' ('' for a path-only URL). */
  scheme: string;
  /** host[:port] exactly as written (userinfo removed, as Higress's rebuild drops it). */
  host: string;
  /** Unescaped path (byte string). */
  path: string;
  /** The path as written, when it differs from the default escaping of `path`. */
  rawPath: string;
  /** Query as written, without '?'. */
  rawQuery: string;
}

/** Ordered multi-map of byte-string keys to byte-string values (Go `url.Values`). */
export type GoValues = Map<string, string[]>;

const HEX = '0123456789ABCDEF';

/** UTF-8 bytes of a JS string as a byte string. */
export function toByteString(text: string): string {
  return Buffer.from(text, 'utf8').toString('latin1');
}

/** A byte string decoded as UTF-8 (what the wire carries). */
function fromByteString(bytes: string): string {
  return Buffer.from(bytes, 'latin1').toString('utf8');
}

function isUnreserved(c: number): boolean {
  return (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a) || c === 0x2d || c === 0x5f || c === 0x2e || c === 0x7e;
}

// shouldEscape(c, encodePath): everything but unreserved and "$&+,/:;=@" ('?' is escaped).
function pathNeedsEscape(c: number): boolean {
  return !isUnreserved(c) && !'$&+,/:;=@'.includes(String.fromCharCode(c));
}

function escapeBytes(bytes: string, needsEscape: (c: number) => boolean, spacePlus: boolean): string {
  let out = '';
  for (let i = 0; i < bytes.length; i++) {
    const c = bytes.charCodeAt(i);
    if (spacePlus && c === 0x20) out += '+';
    else if (needsEscape(c)) out += `%${HEX[c >> 4]}${HEX[c & 15]}`;
    else out += bytes[i];
  }
  return out;
}

/** Go `url.QueryEscape` over a byte string: unreserved kept, space as '+', the rest %XX. */
function goQueryEscape(bytes: string): string {
  return escapeBytes(bytes, (c) => !isUnreserved(c), true);
}

/** Go `unescape`; returns undefined where Go returns an error (a bad %-escape). */
function goUnescape(text: string, plusIsSpace: boolean): string | undefined {
  let out = '';
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (ch === '%') {
      const hex = text.slice(i + 1, i + 3);
      if (!/^[0-9a-fA-F]{2}$/.test(hex)) return undefined;
      out += String.fromCharCode(parseInt(hex, 16));
      i += 2;
    } else out += plusIsSpace && ch === '+' ? ' ' : ch;
  }
  return out;
}

/** Go `url.ParseQuery`, keeping the pairs Go keeps (bad escapes and ';' in a key are dropped). */
export function goParseQuery(rawQuery: string): GoValues {
  const values: GoValues = new Map();
  for (const part of rawQuery.split('&')) {
    if (part === '' || part.includes(';')) continue;
    const eq = part.indexOf('=');
    const key = goUnescape(eq < 0 ? part : part.slice(0, eq), true);
    const value = goUnescape(eq < 0 ? '' : part.slice(eq + 1), true);
    if (key === undefined || value === undefined) continue;
    values.set(key, [...(values.get(key) ?? []), value]);
  }
  return values;
}

/** Go `Values.Encode`: keys sorted bytewise, values in insertion order, `k=v` joined by '&'. */
export function goEncodeQuery(values: GoValues): string {
  const keys = [...values.keys()].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  const parts: string[] = [];
  for (const key of keys) {
    for (const value of values.get(key) ?? []) parts.push(`${goQueryEscape(key)}=${goQueryEscape(value)}`);
  }
  return parts.join('&');
}

/** Go `url.Parse` for the absolute and path-only URLs templates produce; undefined where Go errors. */
export function goParseUrl(text: string): GoUrl | undefined {
  const bytes = toByteString(text);
  if (/[\x00-\x1f\x7f]/.test(bytes)) return undefined;
  let [rest = ''] = bytes.split('#', 1);
  let scheme = '';
  const m = /^([a-zA-Z][a-zA-Z0-9+.-]*):/.exec(rest);
  if (m) {
    scheme = m[1]!.toLowerCase(); // group 1 always participates
    rest = rest.slice(m[0].length);
  } else if (rest.startsWith(':')) return undefined;
  let rawQuery = '';
  const q = rest.indexOf('?');
  if (q >= 0) {
    rawQuery = rest.slice(q + 1);
    rest = rest.slice(0, q);
  }
  let host = '';
  if (rest.startsWith('//')) {
    const slash = rest.indexOf('/', 2);
    const authority = slash < 0 ? rest.slice(2) : rest.slice(2, slash);
    rest = slash < 0 ? '' : rest.slice(slash);
    host = authority.slice(authority.lastIndexOf('@') + 1);
  } else if (scheme !== '' && !rest.startsWith('/')) return undefined; // opaque URLs (mailto:) are not upstreams
  const path = goUnescape(rest, false);
  if (path === undefined) return undefined;
  const rawPath = escapeBytes(path, pathNeedsEscape, false) === rest ? '' : rest;
  return { scheme, host, path, rawPath, rawQuery };
}

// validEncoded(s, encodePath): the sub-delims Go accepts verbatim in a raw path.
function validEncodedPath(raw: string): boolean {
  for (const ch of raw) {
    if ("!$&'()*+,;=:@[]%".includes(ch)) continue;
    if (pathNeedsEscape(ch.charCodeAt(0))) return false;
  }
  return true;
}

/** Go `URL.EscapedPath`. */
function goEscapedPath(u: GoUrl): string {
  if (u.rawPath !== '' && validEncodedPath(u.rawPath) && goUnescape(u.rawPath, false) === u.path) return u.rawPath;
  if (u.path === '*') return '*';
  return escapeBytes(u.path, pathNeedsEscape, false);
}

/** Higress's final URL: `scheme://host + escapedPath[?query]` (the fragment is never sent over HTTP). */
export function goFinalUrl(u: GoUrl, encodedQuery: string): string {
  const path = goEscapedPath(u);
  const base = u.scheme !== '' && u.host !== '' ? `${u.scheme}://${u.host}${path}` : `/${path.replace(/^\//, '')}`;
  return fromByteString(encodedQuery === '' ? base : `${base}?${encodedQuery}`);
}
