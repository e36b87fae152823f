import type { CompiledTool } from '../config/types.js';
import { bodyFor } from './body.js';
import { renderOr, renderPartsOr, templateData, type BuildInput, type RenderScope } from './render.js';
import { checkHeaders } from './header-check.js';
import { goEncodeQuery, goFinalUrl, goParseQuery, goParseUrl, toByteString } from './go-url.js';
import { goArgString } from './go-values.js';
import { applyUpstream, CREDENTIAL_FREE_HEADERS, extractDownstream, type HeaderList } from './security.js';
import { assembleUrl } from './url-slots.js';

/** The request Higress would send for one tools/call (before origin overrides and the SSRF guard). */
export interface UpstreamRequest {
  readonly method: string;
  /** Absolute URL, path and query encoded the Go way. */
  readonly url: string;
  readonly headers: HeaderList;
  readonly body?: string;
  /** Non-fatal notes (e.g. upstream security had no credential), for logs. */
  readonly warnings: readonly string[];
}

/** A built request, or the isError text explaining why there is none. */
export type BuildResult = { readonly ok: true; readonly request: UpstreamRequest } | { readonly ok: false; readonly error: string };

/** Builds the upstream request exactly as Higress's `RestMCPTool.Call` does (higress-mcp.md §2.4). */
export function buildRequest(tool: CompiledTool, input: BuildInput): BuildResult {
  const req = tool.request!;
  const { config, ctx } = input;
  const downstream = extractDownstream(config, tool, ctx);
  const data = templateData(input);
  const scope: RenderScope = { data, ctx };
  const byPosition = groupArgs(tool, input.args);
  const url = buildUrlText(tool, { scope, baseUrl: input.baseUrl }, byPosition.path);
  if (url.error !== undefined) return { ok: false, error: url.error };
  const { text: urlText, credentials } = url;
  const headers: HeaderList = [];
  for (const h of req.headers) {
    // A host the caller chose gets no configured header that might hold a credential (first-hop binding).
    if (!credentials && !CREDENTIAL_FREE_HEADERS.has(h.key.toLowerCase())) continue;
    const value = renderOr(h.value, `header ${h.key}`, scope);
    if (value.error !== undefined) return { ok: false, error: value.error };
    headers.push([h.key, value.text!]);
  }
  // Higress leaves the client's Authorization on the request unless a scheme consumed it (§2.4 step 3).
  const clientAuth = ctx.clientHeader('authorization');
  if (credentials && config.passthroughAuthHeader && tool.security === undefined && !downstream.consumedAuthorization && clientAuth !== undefined) {
    if (!headers.some(([k]) => k.toLowerCase() === 'authorization')) headers.push(['Authorization', clientAuth]);
  }
  const parsed = goParseUrl(urlText);
  if (parsed === undefined) return { ok: false, error: `error parsing URL after path param substitution: ${JSON.stringify(urlText)}` };
  const query = goParseQuery(parsed.rawQuery);
  const queryArgs = req.bodyMode === 'url' ? [...byPosition.query, ...byPosition.default] : byPosition.query;
  for (const [name, value] of queryArgs) query.set(toByteString(name), [toByteString(goArgString(value))]);
  for (const [name, value] of byPosition.header) headers.push([name, goArgString(value)]);
  for (const [name, value] of byPosition.cookie) appendCookie(headers, `${name}=${goArgString(value)}`);
  const body = bodyFor(req, { headers, bodyArgs: byPosition.body, defaultArgs: byPosition.default, data, ctx });
  if (body.error !== undefined) return { ok: false, error: body.error };
  if (!headers.some(([k]) => k.toLowerCase() === 'accept')) headers.push(['Accept', '*/*']);
  lastValueWins(headers);
  const warning = credentials ? applyUpstream(config, tool, { headers, query, passthrough: downstream.passthrough }) : undefined;
  if (parsed.scheme !== 'http' && parsed.scheme !== 'https') return { ok: false, error: `upstream URL must be absolute http(s), got ${JSON.stringify(urlText)}` };
  const finalUrl = goFinalUrl(parsed, goEncodeQuery(query));
  if (originOf(finalUrl) === undefined) return { ok: false, error: `upstream URL is not valid: ${JSON.stringify(finalUrl)}` };
  const headerError = checkHeaders(headers);
  if (headerError !== undefined) return { ok: false, error: headerError };
  return { ok: true, request: { method: req.method, url: finalUrl, headers, body: body.text, warnings: warning ? [warning] : [] } };
}

/**
 * The URL text before Go parsing: caller values encoded for their slot (url-slots.ts), then `{name}`
 * path arguments encoded as one segment each. Higress substitutes both raw; agate never does, in
 * either mode, because a raw value can add query parameters or pick the host. `credentials` is false
 * when the caller's values chose the host: the server's credentials stay with the hosts its config names.
 */
function buildUrlText(
  tool: CompiledTool,
  at: { readonly scope: RenderScope; readonly baseUrl?: string },
  pathArgs: readonly [string, unknown][],
): { text: string; credentials: boolean; error?: undefined } | { error: string } {
  const rendered = renderPartsOr(tool.request!.url, 'URL', at.scope);
  if (rendered.error !== undefined) return { error: rendered.error };
  // A path-only URL goes to the server's base URL (Higress: the route's upstream); the base is operator text.
  const pathOnly = tool.request!.pathOnly;
  if (pathOnly && at.baseUrl === undefined) return { error: `URL ${JSON.stringify(tool.request!.url.source)} is a path and the server has no base URL` };
  const assembled = assembleUrl(pathOnly ? [{ text: at.baseUrl!, trusted: true }, ...rendered.parts!] : rendered.parts!);
  if (!assembled.ok) return { error: assembled.error };
  const credentials = assembled.host !== 'open';
  if (!credentials && assembled.operatorValues) return { error: 'URL host is chosen by an argument, so the URL may not also carry {{.config.*}} values' };
  let text = assembled.text;
  for (const [name, value] of pathArgs) {
    const segment = goArgString(value);
    if (segment === '.' || segment === '..') return { error: `argument "${name}": "${segment}" is not allowed as a path segment` };
    text = text.split(`{${name}}`).join(encodeURIComponent(segment));
  }
  return { text, credentials };
}

type Grouped = Record<'path' | 'query' | 'header' | 'cookie' | 'body' | 'default', [string, unknown][]>;

function groupArgs(tool: CompiledTool, args: ReadonlyMap<string, unknown>): Grouped {
  const grouped: Grouped = { path: [], query: [], header: [], cookie: [], body: [], default: [] };
  for (const [name, value] of args) grouped[tool.positions.get(name) ?? 'default'].push([name, value]);
  return grouped;
}

/**
 * Higress hands its header list to wasm-go's RouteCall, which applies each entry with
 * ReplaceHttpRequestHeader: of two same-named headers the later one is sent. So a `position: header`
 * argument replaces a template header, and the JSON Content-Type the body step appends replaces a
 * configured non-JSON one. Upstream security runs after this and replaces in place.
 */
function lastValueWins(headers: HeaderList): void {
  const byName = new Map<string, [string, string]>();
  for (const [name, value] of headers) {
    const kept = byName.get(name.toLowerCase());
    if (kept) kept[1] = value;
    else byName.set(name.toLowerCase(), [name, value]);
  }
  headers.splice(0, headers.length, ...byName.values());
}

function appendCookie(headers: HeaderList, cookie: string): void {
  const existing = headers.find(([k]) => k.toLowerCase() === 'cookie');
  if (existing) existing[1] = `${existing[1]}; ${cookie}`;
  else headers.push(['Cookie', cookie]);
}

function originOf(url: string): string | undefined {
  try {
    return new URL(url).origin;
  } catch {
    return undefined;
  }
}

