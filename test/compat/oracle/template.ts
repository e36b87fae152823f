// A deliberately small reading of the template actions the published Higress configs use in their
// request templates, for the compat oracle only (never agate's template engine): field paths under
// .args/.config, the Sprig functions toJson, b64enc, join, empty, uuidv4, now, date, dateInZone, and
// if/else/end. Printing follows gjson_template's printValue (exec.go): strings bare, numbers and
// booleans as their JSON text, objects and arrays as compact JSON; a missing path prints "".
// Anything else throws, so a new construct in the corpus is reported rather than guessed.

/** Rendered output: literal text, or a pattern where the value depends on the clock or randomness. */
export type Part = { readonly text: string } | { readonly pattern: string };

type Value = { readonly volatile: string } | { readonly value: unknown; readonly missing?: boolean };

/** Go json.Marshal of a decoded JSON value: keys sorted, <, >, & and U+2028/9 escaped. */
export function goJson(value: unknown): string {
  const sorted = (v: unknown): unknown => {
    if (Array.isArray(v)) return v.map(sorted);
    if (v === null || typeof v !== 'object') return v;
    const obj = v as Record<string, unknown>;
    return Object.fromEntries(Object.keys(obj).sort().map((k) => [k, sorted(obj[k])]));
  };
  return JSON.stringify(sorted(value)).replace(/[<>&\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/** gjson_template printValue. */
function print(v: Value): Part {
  if ('volatile' in v) return { pattern: v.volatile };
  if (v.missing) return { text: '' };
  const x = v.value;
  if (typeof x === 'string') return { text: x };
  return { text: goJson(x) };
}

/** Sprig `empty`: nil, "", 0, false and empty collections. */
function isEmpty(v: Value): boolean {
  if ('volatile' in v) return false;
  const x = v.value;
  if (v.missing || x === null || x === '' || x === 0 || x === false) return true;
  if (Array.isArray(x)) return x.length === 0;
  return typeof x === 'object' && Object.keys(x).length === 0;
}

function words(command: string): string[] {
  return [...command.matchAll(/"(?:[^"\\]|\\.)*"|'[^']*'|\S+/g)].map((m) => m[0]);
}

function literal(word: string): string | undefined {
  if (word.startsWith('"')) return JSON.parse(word) as string;
  if (word.startsWith("'") && word.length === 3) return word.slice(1, -1); // a Go rune literal such as ','
  return undefined;
}

function lookup(word: string, data: Record<string, unknown>): Value {
  let cur: unknown = data;
  for (const seg of word.split('.').slice(1)) {
    if (cur === null || typeof cur !== 'object' || !(seg in cur)) return { value: undefined, missing: true };
    cur = (cur as Record<string, unknown>)[seg];
  }
  return { value: cur };
}

const sprint = (x: unknown): string => (typeof x === 'string' ? x : goJson(x));

/** One command of a pipeline; `piped` is the previous command's result (appended as the last argument). */
function command(text: string, data: Record<string, unknown>, piped: Value | undefined): Value {
  const [head, ...rest] = words(text);
  const arg = (w: string): Value => (w.startsWith('.') ? lookup(w, data) : w === 'now' ? { volatile: 'now' } : { value: literal(w) });
  const args = [...rest.map(arg), ...(piped ? [piped] : [])];
  const plain = (v: Value | undefined): unknown => (v && !('volatile' in v) ? v.value : undefined);
  switch (head) {
    case undefined:
      throw new Error('oracle: empty action');
    case 'toJson':
      return { value: goJson(plain(args[0]) ?? null) };
    case 'b64enc':
      return { value: Buffer.from(sprint(plain(args[0])), 'utf8').toString('base64') };
    case 'join':
      return { value: ((plain(args[1]) as unknown[] | undefined) ?? []).map(sprint).join(String(plain(args[0]))) };
    case 'empty':
      return { value: isEmpty(args[0]!) };
    case 'uuidv4':
      return { volatile: '[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}' };
    case 'now':
      return { volatile: 'now' };
    case 'date':
    case 'dateInZone':
      // Clock-dependent: only the layout's shape is known ("2006" → 4 digits, "20060102" → 8).
      return { volatile: String(plain(args[0])).replace(/\d/g, '\\d') };
    default:
      if (head.startsWith('.') && rest.length === 0 && piped === undefined) return lookup(head, data);
      throw new Error(`oracle: unsupported template command "${text}"`);
  }
}

function pipeline(text: string, data: Record<string, unknown>): Value {
  let value: Value | undefined;
  for (const cmd of text.split('|')) value = command(cmd.trim(), data, value);
  return value!;
}

/** Renders `source` over `data`; throws on a construct it does not model. */
export function renderOracle(source: string, data: Record<string, unknown>): Part[] {
  const parts: Part[] = [];
  const live: boolean[] = [];
  const emitting = (): boolean => live.every(Boolean);
  // Go's trim markers are "{{- " and " -}}" (the space is required).
  const tokens = source.split(/(\{\{[\s\S]*?\}\})/);
  for (let i = 0; i < tokens.length; i++) {
    let tok = tokens[i]!;
    if (i % 2 === 0) {
      if (/\s-\}\}$/.test(tokens[i - 1] ?? '')) tok = tok.trimStart();
      if (/^\{\{-\s/.test(tokens[i + 1] ?? '')) tok = tok.trimEnd();
      if (emitting() && tok !== '') parts.push({ text: tok });
      continue;
    }
    const action = tok.replace(/^\{\{(-\s)?\s*/, '').replace(/\s*(\s-)?\}\}$/, '');
    if (action.startsWith('if ')) live.push(emitting() ? !isFalsy(pipeline(action.slice(3), data)) : false);
    else if (action === 'else') live.push(!live.pop() && live.every(Boolean));
    else if (action === 'end') live.pop();
    else if (emitting()) parts.push(print(pipeline(action, data)));
  }
  return parts;
}

function isFalsy(v: Value): boolean {
  return isEmpty(v);
}

/** The parts as one string when nothing is volatile. */
export function textOf(parts: readonly Part[]): string | undefined {
  return parts.every((p) => 'text' in p) ? parts.map((p) => (p as { text: string }).text).join('') : undefined;
}

/** A regular expression matching every rendering of `parts`. */
export function patternOf(parts: readonly Part[]): RegExp {
  const body = parts.map((p) => ('text' in p ? p.text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&') : p.pattern)).join('');
  return new RegExp(`^${body}$`, 's');
}
