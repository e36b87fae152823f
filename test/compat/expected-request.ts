// An independent statement of the request Higress builds (higress-mcp.md §2.4), written with WHATWG
// URL and URLSearchParams instead of the Go-URL port under test, so the two can disagree.
import { parseTemplate } from '../../servers/rest-to-mcp/template/index.js';
import type { CompiledRestConfig, CompiledTool } from '../../servers/rest-to-mcp/index.js';
import type { RecordedRequest } from '../helpers/loopback-upstream.js';

/** What the fake upstream must have received; mismatches are returned as messages. */
export function checkRequest(config: CompiledRestConfig, tool: CompiledTool, args: Record<string, unknown>, got: RecordedRequest, settings: Record<string, string>): string[] {
  const req = tool.request!;
  const data = { config: { ...config.config, ...settings }, args: coerced(tool, args) };
  const render = (source: string): string => parseTemplate(source, 'oracle').render(data, { funcs: { getRealIP: () => '', getSocketIP: () => '' } });
  const problems: string[] = [];
  const pos = (name: string): string => tool.positions.get(name) ?? 'default';
  const text = (v: unknown): string => (typeof v === 'string' ? v : typeof v === 'number' || typeof v === 'boolean' ? String(v) : JSON.stringify(v));
  let urlText = render(req.url.source);
  for (const a of tool.args) if (pos(a.name) === 'path') urlText = urlText.split(`{${a.name}}`).join(text(data.args[a.name]));
  // A path-only URL (Higress: the route's upstream) is resolved like the fake's own request path.
  const want = new URL(urlText, 'http://fake');
  const wantQuery = new Map<string, string>([...want.searchParams]);
  for (const a of tool.args) {
    const inQuery = pos(a.name) === 'query' || (req.bodyMode === 'url' && pos(a.name) === 'default');
    if (inQuery && a.name in data.args) wantQuery.set(a.name, text(data.args[a.name]));
  }
  const gotUrl = new URL(got.url, 'http://fake');
  if (got.method !== req.method) problems.push(`method ${got.method}, want ${req.method}`);
  if (gotUrl.pathname !== want.pathname) problems.push(`path ${gotUrl.pathname}, want ${want.pathname}`);
  const gotPairs = [...gotUrl.searchParams].sort().map(([k, v]) => `${k}=${v}`).join('&');
  const wantPairs = [...wantQuery].sort().map(([k, v]) => `${k}=${v}`).join('&');
  if (gotPairs !== wantPairs) problems.push(`query ${gotPairs}, want ${wantPairs}`);
  const rawQuery = got.url.includes('?') ? got.url.slice(got.url.indexOf('?') + 1) : '';
  const keys = rawQuery === '' ? [] : rawQuery.split('&').map((p) => p.split('=')[0]);
  if (keys.join() !== [...keys].sort().join() || rawQuery.includes('%20')) problems.push(`query not Go-encoded: ${rawQuery}`);
  const headerValue = (name: string): string | undefined => {
    const v = got.headers[name.toLowerCase()];
    return v === undefined ? undefined : Buffer.from(Array.isArray(v) ? v.join(', ') : v, 'latin1').toString('utf8');
  };
  for (const h of req.headers) {
    const expected = render(h.value.source);
    const got = headerValue(h.key);
    // uuidv4/now render differently every time; then only the shape can be checked.
    const random = expected !== render(h.value.source);
    if (random ? got?.length !== expected.length : got !== expected) problems.push(`header ${h.key}: ${got}, want ${expected}`);
  }
  for (const a of tool.args) {
    if (pos(a.name) === 'header' && headerValue(a.name) !== text(data.args[a.name])) problems.push(`header arg ${a.name} missing`);
  }
  if (!req.headers.some((h) => h.key.toLowerCase() === 'accept') && headerValue('accept') !== '*/*') problems.push(`accept ${headerValue('accept')}, want */*`);
  problems.push(...checkBody(tool, data, got, render, headerValue));
  return problems;
}

function checkBody(tool: CompiledTool, data: { args: Record<string, unknown> }, got: RecordedRequest, render: (s: string) => string, header: (n: string) => string | undefined): string[] {
  const req = tool.request!;
  const pos = (name: string): string => tool.positions.get(name) ?? 'default';
  const pick = (ps: string[]): Record<string, unknown> => Object.fromEntries(Object.entries(data.args).filter(([k]) => ps.includes(pos(k))));
  const contentType = header('content-type') ?? '';
  if (req.body !== undefined) {
    const want = render(req.body.source);
    return got.body === want ? [] : [`body ${JSON.stringify(got.body)}, want ${JSON.stringify(want)}`];
  }
  const form = req.bodyMode === 'form' || (req.bodyMode !== 'json' && contentType.includes('application/x-www-form-urlencoded'));
  const want = req.bodyMode === 'json' || req.bodyMode === 'form' ? pick(['body', 'default']) : pick(['body']);
  if (req.bodyMode !== 'json' && req.bodyMode !== 'form' && Object.keys(want).length === 0) return got.body === '' ? [] : [`unexpected body ${got.body}`];
  if (form) {
    const gotForm = Object.fromEntries(new URLSearchParams(got.body));
    const wantForm = Object.fromEntries(Object.entries(want).map(([k, v]) => [k, typeof v === 'string' ? v : JSON.stringify(v)]));
    return JSON.stringify(sortObj(gotForm)) === JSON.stringify(sortObj(wantForm)) ? [] : [`form body ${got.body}, want ${JSON.stringify(wantForm)}`];
  }
  if (!contentType.includes('application/json')) return [`content-type ${contentType}, want JSON`];
  return JSON.stringify(sortObj(JSON.parse(got.body || 'null'))) === JSON.stringify(sortObj(want)) ? [] : [`json body ${got.body}, want ${JSON.stringify(want)}`];
}

function coerced(tool: CompiledTool, args: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const a of tool.args) {
    if (a.name in args) out[a.name] = args[a.name];
    else if (a.default !== undefined && a.default !== null) out[a.name] = a.default;
  }
  return out;
}

function sortObj(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(sortObj);
  if (v === null || typeof v !== 'object') return v;
  return Object.fromEntries(Object.keys(v).sort().map((k) => [k, sortObj((v as Record<string, unknown>)[k])]));
}
