/** The outcome of normalising a request path: the path to route on, or why it was refused. */
export type NormalizedPath = { ok: true; path: string } | { ok: false; reason: string };

/**
 * RFC 3986 §6.2.2 normalisation before routing, so `/api/%2e%2e/admin`, `/api//x` and `/api/./x` cannot
 * reach past a route's prefix: decodes percent-encoded dots, merges slashes, removes dot segments, and
 * refuses NUL bytes and paths that climb above the root. Other percent-encodings are left as sent.
 */
export function normalizePath(raw: string): NormalizedPath {
  if (!raw.startsWith('/')) return { ok: false, reason: 'request target must start with "/"' };
  // Fast path for the common clean path; a raw NUL must not slip through it.
  if (raw.indexOf('%') === -1 && raw.indexOf('.') === -1 && raw.indexOf('//') === -1 && raw.indexOf('\0') === -1) return { ok: true, path: raw };
  if (/%00/.test(raw) || raw.includes('\0')) return { ok: false, reason: 'path contains a NUL byte' };
  const decoded = raw.replace(/%2e/gi, '.');
  const out: string[] = [];
  const segments = decoded.split('/');
  for (let i = 1; i < segments.length; i++) {
    const seg = segments[i]!;
    const last = i === segments.length - 1;
    // `..;x` is `..` to servlet containers (path parameters): refuse rather than let it climb upstream.
    const semi = seg.indexOf(';');
    if (semi !== -1 && (seg.slice(0, semi) === '..' || seg.slice(0, semi) === '.')) return { ok: false, reason: 'dot segment with parameters' };
    if (seg === '' && !last) continue; // merged slash
    if (seg === '.') {
      if (last) out.push('');
      continue;
    }
    if (seg === '..') {
      if (out.length === 0) return { ok: false, reason: 'path climbs above the root' };
      out.pop();
      if (last) out.push('');
      continue;
    }
    out.push(seg);
  }
  return { ok: true, path: '/' + out.join('/') };
}
