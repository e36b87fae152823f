// Puts a rendered URL template together so that a caller's value fills the slot it lands in and
// nothing more: the operator's text fixes the scheme, host, port, the number of path segments and
// the query keys; a value is encoded for its position (RFC 3986 §3) or refused where no encoding
// can keep it in its slot (scheme, host, port). Higress substitutes raw text here, which let
// `q=a&admin=1` add a parameter, `#` cut the operator's parameters and a host value pick the host.
import type { OutputPart } from '../template/index.js';

/** Where a value sits in the URL text written so far. */
type Slot = 'scheme' | 'host' | 'port' | 'path' | 'query' | 'fragment';

/** How much of the host the caller's values chose. */
export type HostChoice =
  /** None: the operator's text (and `.config`) fixed the host. */
  | 'fixed'
  /** Part of a label under a domain of two or more labels the operator wrote (`49999-{{.args.id}}.e2b.dev`). */
  | 'subdomain'
  /** Enough to reach a host the config does not name: the request must not carry the server's credentials. */
  | 'open';

/** The assembled URL text (for Go parsing), or why the values cannot fill their slots. */
export type AssembledUrl =
  | {
      readonly ok: true;
      readonly text: string;
      readonly host: HostChoice;
      /** True when `{{.config.*}}` values (maybe secrets) are part of the URL. */
      readonly operatorValues: boolean;
    }
  | { readonly ok: false; readonly error: string };

const SCHEME_ONLY = /^[a-zA-Z][a-zA-Z0-9+.-]*:?$/;
const AUTHORITY_START = /^[a-zA-Z][a-zA-Z0-9+.-]*:\/\//;
const LABEL_CHARS = /^[A-Za-z0-9-]+$/;

/** Most caller values one URL may interpolate: a `range` over a huge array must not build a huge URL. */
export const MAX_URL_VALUES = 1000;

/** Joins rendered parts, encoding each caller value for its slot. */
export function assembleUrl(parts: readonly OutputPart[]): AssembledUrl {
  const values = parts.reduce((n, p) => (p.trusted ? n : n + 1), 0);
  if (values > MAX_URL_VALUES) return { ok: false, error: `URL: the template interpolates ${values} argument values; at most ${MAX_URL_VALUES} values are allowed` };
  let text = '';
  let hostFill = -1; // end offset of the last caller value in the host
  let portFilled = false;
  let slot: Slot = 'scheme';
  for (const part of parts) {
    if (part.trusted) {
      text += part.text;
      slot = advance(slot, text, part.text);
      continue;
    }
    const filled = fill(slot, part);
    if (typeof filled !== 'string') return filled;
    if (slot === 'host') hostFill = text.length + filled.length;
    if (slot === 'port') portFilled = true;
    text += filled;
  }
  const operatorValues = parts.some((p) => p.trusted && p.source !== undefined && p.text !== '');
  const host = portFilled ? 'open' : hostFill < 0 ? 'fixed' : hostAfterFill(text.slice(hostFill));
  return { ok: true, text, host, operatorValues };
}

// The slot after operator text `added` made `prefix`; only '?' and '#' move on from the path (caller values are
// escaped, so they never do), which keeps this linear in the URL's length.
function advance(slot: Slot, prefix: string, added: string): Slot {
  if (slot === 'fragment' || added.includes('#')) return 'fragment';
  if (slot === 'query' || added.includes('?')) return 'query';
  return slot === 'path' ? 'path' : slotAt(prefix);
}

// The slot a value appended to `prefix` lands in.
function slotAt(prefix: string): Slot {
  if (prefix.includes('#')) return 'fragment';
  if (prefix.includes('?')) return 'query';
  const m = AUTHORITY_START.exec(prefix);
  if (!m) return prefix === '' || SCHEME_ONLY.test(prefix) ? 'scheme' : 'path';
  const authority = prefix.slice(m[0].length);
  if (authority.includes('/')) return 'path';
  const hostPort = authority.slice(authority.lastIndexOf('@') + 1);
  return hostPort.replace(/^\[[^\]]*\]/, '').includes(':') ? 'port' : 'host';
}

function fill(slot: Slot, part: OutputPart): string | { ok: false; error: string } {
  const value = part.text;
  const shown = JSON.stringify(value.length > 60 ? `${value.slice(0, 60)}…` : value);
  const refuse = (why: string) => ({ ok: false as const, error: `URL ${slot}: ${part.source} ${why} (got ${shown})` });
  switch (slot) {
    case 'scheme':
      return refuse('cannot supply the scheme or host of the URL; the template must start with the operator\'s https://host');
    case 'host':
      return LABEL_CHARS.test(value) ? value : refuse("may only fill part of one host label: letters, digits and '-'");
    case 'port':
      return /^[0-9]{1,5}$/.test(value) ? value : refuse('must be a port number');
    case 'path':
      if (value === '.' || value === '..') return refuse('is a dot segment, which would change the path');
      return escapeUtf8(value, PATH_SAFE);
    default:
      return escapeUtf8(value, '');
  }
}

// Go url.PathEscape keeps these besides the unreserved characters; '/', '?', '#', ';', ',' and '%' are escaped.
const PATH_SAFE = "$&+:=@";

/** Percent-encodes the UTF-8 bytes of `value`, keeping unreserved characters and `keep`. */
function escapeUtf8(value: string, keep: string): string {
  let out = '';
  for (const byte of Buffer.from(value, 'utf8')) {
    const ch = String.fromCharCode(byte);
    if (/[A-Za-z0-9\-._~]/.test(ch) || keep.includes(ch)) out += ch;
    else out += `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
}

// After the last value in the host: a literal rest such as "-x.e2b.dev" keeps the value under a
// domain the operator named when at least two labels follow its dot; otherwise the caller picked it.
function hostAfterFill(rest: string): HostChoice {
  const end = rest.search(/[:/?#]/);
  const hostRest = end < 0 ? rest : rest.slice(0, end);
  const dot = hostRest.indexOf('.');
  if (dot < 0) return 'open';
  const labels = hostRest.slice(dot + 1).split('.');
  return labels.length >= 2 && labels.every((l) => l !== '') ? 'subdomain' : 'open';
}
