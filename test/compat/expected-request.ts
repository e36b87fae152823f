// The request Higress would send for one tools/call, derived from the rules of
// plugins/wasm-go/pkg/mcp/server/rest_server.go (RestMCPTool.Create and RestMCPTool.Call) and wasm-go's
// RouteCall, implemented here from the raw YAML tool with the oracle's own template reading and Go-URL
// port. Nothing here calls agate's loader, template engine or request builder, so the two can disagree.
import { encodeQuery, escapedPath, parseQuery, splitUrl } from './oracle/go-url.js';
import { goJson, patternOf, renderOracle, textOf, type Part } from './oracle/template.js';

/** A tool exactly as the YAML file has it. */
export interface RawTool {
  readonly name: string;
  readonly args?: readonly { name: string; type?: string; default?: unknown; position?: string }[];
  readonly requestTemplate?: {
    url?: string;
    method?: string;
    headers?: readonly { key: string; value: string }[];
    body?: string;
    argsToJsonBody?: boolean;
    argsToUrlParam?: boolean;
    argsToFormBody?: boolean;
    security?: unknown;
  };
}

/** What the loopback fake recorded. */
export interface ReceivedRequest {
  readonly method: string;
  readonly url: string;
  /** node's rawHeaders: name, value, name, value… (duplicates kept). */
  readonly rawHeaders: readonly string[];
  readonly body: string;
}

type Grouped = Record<'path' | 'query' | 'header' | 'cookie' | 'body' | 'default', [string, unknown][]>;
type Headers = [string, Part[]][];

const JSON_TYPE = 'application/json; charset=utf-8';
const FORM_TYPE = 'application/x-www-form-urlencoded';

/** RestMCPTool.Create: declared args only, defaults for absent ones, light coercion by type. */
function processArgs(tool: RawTool, raw: Record<string, unknown>): Map<string, unknown> {
  const out = new Map<string, unknown>();
  for (const arg of tool.args ?? []) {
    if (!(arg.name in raw)) {
      if (arg.default !== undefined && arg.default !== null) out.set(arg.name, arg.default);
      continue;
    }
    let v = raw[arg.name];
    if (arg.type === 'boolean' && (v === 'true' || v === 'false')) v = v === 'true';
    else if (arg.type === 'integer' && typeof v === 'number') v = Math.trunc(v);
    else if (arg.type === 'integer' && typeof v === 'string' && /^[+-]?\d+$/.test(v)) v = Number(v);
    else if (arg.type === 'number' && typeof v === 'string' && v.trim() !== '' && Number.isFinite(Number(v))) v = Number(v);
    out.set(arg.name, v);
  }
  return out;
}

/** convertArgToString: strings as is, scalars with fmt "%v", the rest json.Marshal. */
function argString(v: unknown): string {
  if (typeof v === 'string') return v;
  if (typeof v === 'boolean') return String(v);
  if (typeof v === 'number') {
    if (Number.isInteger(v) && Math.abs(v) < 1e6) return String(v);
    const exp = v === 0 ? 0 : Math.floor(Math.log10(Math.abs(v)));
    if (exp >= -4 && exp < 6) return String(v);
    const [m, e] = v.toExponential().split('e');
    return `${m}e${e!.startsWith('-') ? '-' : '+'}${e!.replace(/^[+-]/, '').padStart(2, '0')}`;
  }
  return goJson(v ?? null);
}

/** Call: args sorted by position (lower-cased); no or an unknown position is a "default" arg. */
function groupArgs(tool: RawTool, args: Map<string, unknown>): Grouped {
  const g: Grouped = { path: [], query: [], header: [], cookie: [], body: [], default: [] };
  const positions = new Map((tool.args ?? []).filter((a) => a.position).map((a) => [a.name, a.position!.toLowerCase()]));
  for (const [name, v] of args) {
    const p = positions.get(name);
    g[p !== undefined && p in g && p !== 'default' ? (p as keyof Grouped) : 'default'].push([name, v]);
  }
  return g;
}

const hasType = (headers: Headers, part: string): boolean =>
  headers.some(([k, v]) => k.toLowerCase() === 'content-type' && (textOf(v) ?? '').toLowerCase().includes(part));

/** Call, "Prepare request body": explicit template, argsToJsonBody, argsToFormBody, then body args. */
function bodyOf(tool: RawTool, g: Grouped, data: Record<string, unknown>, headers: Headers): Part[] {
  const rt = tool.requestTemplate!;
  const lit = (text: string): Part[] => [{ text }];
  const form = (pairs: [string, unknown][]): string => encodeQuery(new Map(pairs.map(([k, v]) => [k, [argString(v)]])));
  if (rt.body) {
    const parts = renderOracle(rt.body, data);
    const sample = parts.map((p) => ('text' in p ? p.text : '0')).join('').trim();
    if (!hasType(headers, 'application/json') && /^(\{[\s\S]*\}|\[[\s\S]*\])$/.test(sample) && parses(sample)) headers.push(['Content-Type', lit(JSON_TYPE)]);
    return parts;
  }
  if (rt.argsToJsonBody) {
    if (!hasType(headers, 'application/json')) headers.push(['Content-Type', lit(JSON_TYPE)]);
    return lit(goJson(Object.fromEntries([...g.body, ...g.default])));
  }
  if (rt.argsToFormBody) {
    if (!hasType(headers, FORM_TYPE)) headers.push(['Content-Type', lit(FORM_TYPE)]);
    return lit(form([...g.body, ...g.default]));
  }
  if (g.body.length === 0) return [];
  if (hasType(headers, FORM_TYPE)) return lit(form(g.body));
  if (!hasType(headers, 'application/json')) headers.push(['Content-Type', lit(JSON_TYPE)]);
  return lit(goJson(Object.fromEntries(g.body)));
}

function parses(text: string): boolean {
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
}

/** The request Higress sends: method, path+query, headers after RouteCall, body. Throws where the oracle has no rule. */
export function expectedRequest(tool: RawTool, config: Record<string, unknown>, rawArgs: Record<string, unknown>): { method: string; target: string; headers: Headers; body: Part[] } {
  const rt = tool.requestTemplate!;
  if (rt.security !== undefined) throw new Error('oracle: upstream security is not modelled');
  const args = processArgs(tool, rawArgs);
  const data = { config, args: JSON.parse(goJson(Object.fromEntries(args))) as Record<string, unknown> };
  const g = groupArgs(tool, args);
  // "Process path parameters": {name} replaced raw, then url.Parse and query.Set/Encode.
  let urlText = textOf(renderOracle(rt.url!, data)) ?? '';
  for (const [name, v] of g.path) urlText = urlText.split(`{${name}}`).join(argString(v));
  const url = splitUrl(urlText);
  if (url === undefined) throw new Error(`oracle: cannot parse ${urlText}`);
  const query = parseQuery(url.rawQuery);
  for (const [name, v] of [...g.query, ...(rt.argsToUrlParam ? g.default : [])]) query.set(name, [argString(v)]);
  const q = encodeQuery(query);
  // RouteCall sends "/" + TrimPrefix(EscapedPath, "/") [+ "?" + RawQuery].
  const target = `/${escapedPath(url.path).replace(/^\//, '')}${q === '' ? '' : `?${q}`}`;
  const headers: Headers = (rt.headers ?? []).filter((h) => h.key !== '').map((h) => [h.key, renderOracle(h.value, data)]);
  for (const [name, v] of g.header) headers.push([name, [{ text: argString(v) }]]);
  for (const [name, v] of g.cookie) {
    const cookie = headers.find(([k]) => k.toLowerCase() === 'cookie');
    if (cookie) cookie[1] = [...cookie[1], { text: `; ${name}=${argString(v)}` }];
    else headers.push(['Cookie', [{ text: `${name}=${argString(v)}` }]]);
  }
  const body = bodyOf(tool, g, data, headers);
  if (!headers.some(([k]) => k.toLowerCase() === 'accept')) headers.push(['Accept', [{ text: '*/*' }]]);
  return { method: rt.method ?? '', target, headers: routeCallHeaders(headers), body };
}

/** RouteCall applies each header with ReplaceHttpRequestHeader: of two with one name, the later is sent. */
function routeCallHeaders(headers: Headers): Headers {
  const byName = new Map<string, [string, Part[]]>();
  for (const [k, v] of headers) byName.set(k.toLowerCase(), [k, v]);
  return [...byName.values()];
}

/** Differences between what arrived and what Higress would have sent, as messages. */
export function compareRequest(want: ReturnType<typeof expectedRequest>, got: ReceivedRequest): string[] {
  const problems: string[] = [];
  if (got.method !== want.method) problems.push(`method ${got.method}, Higress sends ${want.method}`);
  if (got.url !== want.target) problems.push(`target ${got.url}, Higress sends ${want.target}`);
  for (const [name, parts] of want.headers) {
    const values: string[] = [];
    for (let i = 0; i < got.rawHeaders.length; i += 2) {
      if (got.rawHeaders[i]!.toLowerCase() === name.toLowerCase()) values.push(Buffer.from(got.rawHeaders[i + 1]!, 'latin1').toString('utf8'));
    }
    const pattern = patternOf(parts);
    if (values.length !== 1 || !pattern.test(values[0]!)) problems.push(`header ${name}: ${JSON.stringify(values)}, Higress sends ${pattern.source}`);
  }
  const bodyPattern = patternOf(want.body);
  if (!bodyPattern.test(got.body)) problems.push(`body ${JSON.stringify(got.body)}, Higress sends /${bodyPattern.source}/`);
  return problems;
}
