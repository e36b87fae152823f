// Go literal decoding for template constants: strconv.Unquote for "..." and '...',
// and strconv.ParseInt/ParseFloat with base prefixes for numbers.

const SIMPLE_ESCAPES: Record<string, string> = {
  a: '\x07', b: '\b', f: '\f', n: '\n', r: '\r', t: '\t', v: '\v', '\\': '\\', "'": "'", '"': '"',
};

/** Decodes one escape at `s[i]` (just after the backslash); returns [text, nextIndex] or null. */
function decodeEscape(s: string, i: number, quote: string): [string, number] | null {
  const c = s[i];
  if (c === undefined) return null;
  const simple = Object.hasOwn(SIMPLE_ESCAPES, c) ? SIMPLE_ESCAPES[c] : undefined;
  if (simple !== undefined) {
    if ((c === "'" || c === '"') && c !== quote) return null;
    return [simple, i + 1];
  }
  const hexLen = c === 'x' ? 2 : c === 'u' ? 4 : c === 'U' ? 8 : 0;
  if (hexLen > 0) {
    const hex = s.slice(i + 1, i + 1 + hexLen);
    if (hex.length !== hexLen || !/^[0-9a-fA-F]+$/.test(hex)) return null;
    const cp = parseInt(hex, 16);
    if (c === 'x') return [String.fromCharCode(cp), i + 1 + hexLen];
    if (cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return null;
    return [String.fromCodePoint(cp), i + 1 + hexLen];
  }
  if (c >= '0' && c <= '7') {
    const oct = s.slice(i, i + 3);
    if (!/^[0-7]{3}$/.test(oct)) return null;
    const v = parseInt(oct, 8);
    if (v > 255) return null;
    return [String.fromCharCode(v), i + 3];
  }
  return null;
}

/** Decodes a Go double-quoted or single-quoted literal (quotes included); null when invalid. */
export function goUnquote(lit: string): string | null {
  const quote = lit[0];
  if (lit.length < 2 || lit[lit.length - 1] !== quote || (quote !== '"' && quote !== "'")) return null;
  const body = lit.slice(1, -1);
  let out = '';
  for (let i = 0; i < body.length;) {
    const c = body[i];
    if (c === '\\') {
      const dec = decodeEscape(body, i + 1, quote);
      if (!dec) return null;
      out += dec[0];
      i = dec[1];
    } else if (c === quote || c === '\n') {
      return null;
    } else {
      out += c;
      i++;
    }
  }
  return out;
}

/** Decodes a Go rune literal such as 'a' or '\n' to its code point; null when invalid. */
export function goCharValue(lit: string): number | null {
  const s = goUnquote(lit);
  if (s === null) return null;
  const cp = s.codePointAt(0);
  if (cp === undefined || String.fromCodePoint(cp).length !== s.length) return null;
  return cp;
}

function validUnderscores(digits: string): boolean {
  return !digits.startsWith('_') && !digits.endsWith('_') && !digits.includes('__');
}

const PREFIXED_INTS: ReadonlyArray<readonly [RegExp, number]> = [
  [/^0[xX]_?([0-9a-fA-F_]+)$/, 16],
  [/^0[oO]_?([0-7_]+)$/, 8],
  [/^0[bB]_?([01_]+)$/, 2],
];

/** Parses integer syntax accepted by strconv.ParseInt(s, 0, 64); null when it is not one. */
function parseGoInt(body: string): number | null {
  for (const [re, radix] of PREFIXED_INTS) {
    const digits = re.exec(body)?.[1];
    if (digits !== undefined) return validUnderscores(digits) ? parseInt(digits.replaceAll('_', ''), radix) : null;
  }
  if (/^0[0-7_]+$/.test(body)) return validUnderscores(body.slice(1)) ? parseInt(body.replaceAll('_', ''), 8) : null;
  if (/^[0-9][0-9_]*$/.test(body)) return validUnderscores(body) ? Number(body.replaceAll('_', '')) : null;
  return null;
}

/** Parses a Go numeric constant (ints with base prefixes, floats); null when invalid. */
export function parseGoNumber(text: string): number | null {
  let sign = 1;
  let body = text;
  if (body.startsWith('+') || body.startsWith('-')) {
    if (body[0] === '-') sign = -1;
    body = body.slice(1);
  }
  if (body === '') return null;
  const asInt = parseGoInt(body);
  if (asInt !== null) return sign * asInt;
  if (!/^(\d[\d_]*)?(\.[\d_]*)?([eE][+-]?\d[\d_]*)?$/.test(body) || body === '.' || /^\.?[eE]/.test(body)) return null;
  if (/_/.test(body) && !/^\d+(_\d+)*(\.\d+(_\d+)*)?([eE][+-]?\d+(_\d+)*)?$/.test(body)) return null;
  const v = Number(body.replaceAll('_', ''));
  return Number.isNaN(v) ? null : sign * v;
}
