import type { Command } from 'commander';
import { UsageError } from '../context.js';

/** The feature flags of `route add|update`, as commander parses them. */
export interface RouteFeatureFlags {
  pathPrefix?: string;
  pathExact?: string;
  pathRegex?: string;
  matchHeader?: string[];
  matchQuery?: string[];
  canaryUpstream?: string;
  canaryHeader?: string;
  canaryCookie?: string;
  weight?: string;
  rewritePrefix?: string;
  rewriteRegex?: string;
  rewriteTo?: string;
  rewriteHost?: string;
  setHeader?: string[];
  addHeader?: string[];
  removeHeader?: string[];
  setResponseHeader?: string[];
  removeResponseHeader?: string[];
  redirect?: string;
  redirectStatus?: string;
  directStatus?: string;
  directBody?: string;
  maxBody?: string;
  corsOrigin?: string[];
  allowIp?: string[];
  denyIp?: string[];
  retries?: string;
  retryOn?: string;
  retryStatuses?: string;
  perTryTimeout?: string;
  connectTimeout?: string;
  idleTimeout?: string;
  totalTimeout?: string;
  rateLimit?: string;
  rateLimitBy?: string;
  consumers?: string;
  auth?: string;
}

/** Adds the feature flags to `route add` and `route update`. */
export function withFeatureFlags(cmd: Command): Command {
  return cmd
    .option('--path-prefix <path>', 'match this path prefix')
    .option('--path-exact <path>', 'match exactly this path')
    .option('--path-regex <regex>', 'match paths with this regular expression')
    .option('--match-header <rule...>', 'name=value, name~regex, name (present) or !name (absent)')
    .option('--match-query <rule...>', 'query parameter rule, same forms as --match-header')
    .option('--canary-upstream <url-or-name>', 'canary destination')
    .option('--canary-header <rule>', "name (value 'always'), name=value or name~regex")
    .option('--canary-cookie <name>', "cookie whose value 'always' selects the canary")
    .option('--weight <percent>', 'share of other traffic sent to the canary')
    .option('--rewrite-prefix <prefix>', 'replace the matched prefix')
    .option('--rewrite-regex <regex>', 'rewrite the path with this regex (see --rewrite-to)')
    .option('--rewrite-to <replacement>', 'replacement for --rewrite-regex ($1 for groups)')
    .option('--rewrite-host <host>', 'Host header sent upstream')
    .option('--set-header <k=v...>', 'set a request header')
    .option('--add-header <k=v...>', 'append a request header')
    .option('--remove-header <name...>', 'remove a request header')
    .option('--set-response-header <k=v...>', 'set a response header')
    .option('--remove-response-header <name...>', 'remove a response header')
    .option('--redirect <url>', 'answer with a redirect to this URL')
    .option('--redirect-status <code>', '301, 302, 303, 307 or 308')
    .option('--direct-status <code>', 'answer with this status, no upstream')
    .option('--direct-body <text>', 'body of the direct response')
    .option('--max-body <size>', 'largest request body, e.g. 1mb')
    .option('--cors-origin <origin...>', "allowed CORS origins ('*', https://*.example.com)")
    .option('--allow-ip <cidr...>', 'only these addresses')
    .option('--deny-ip <cidr...>', 'never these addresses')
    .option('--retries <n>', 'retries after the first try')
    .option('--retry-on <list>', 'connect-failure,reset,timeout,statuses')
    .option('--retry-statuses <list>', 'statuses to retry, e.g. 502,503')
    .option('--per-try-timeout <duration>', 'time allowed per try')
    .option('--connect-timeout <duration>', 'upstream connect timeout')
    .option('--idle-timeout <duration>', 'longest silence between body chunks (or on a WebSocket tunnel)')
    .option('--total-timeout <duration>', 'longest whole exchange')
    .option('--rate-limit <rate>', 'token bucket, e.g. 100/s, 600/m, 1000/h')
    .option('--rate-limit-by <key>', 'route, consumer or ip (default ip)')
    .option('--consumers <list>', 'consumers or groups allowed (turns auth on)')
    .option('--auth <methods>', 'turn auth on: key,jwt,basic');
}

/** Folds the feature flags into a partial route spec (nested objects are merged over `current`). */
export function featureSpec(f: RouteFeatureFlags, current: Record<string, any> = {}): Record<string, unknown> {
  const spec: Record<string, any> = {};
  const merge = (key: string, patch: Record<string, unknown>) => (spec[key] = { ...(current[key] ?? {}), ...spec[key], ...patch });
  if (f.pathPrefix !== undefined) Object.assign(spec, { path: f.pathPrefix, pathType: 'prefix' });
  if (f.pathExact !== undefined) Object.assign(spec, { path: f.pathExact, pathType: 'exact' });
  if (f.pathRegex !== undefined) Object.assign(spec, { path: f.pathRegex, pathType: 'regex' });
  if (f.matchHeader) spec.headers = f.matchHeader.map(predicate);
  if (f.matchQuery) spec.query = f.matchQuery.map(predicate);
  if (f.canaryUpstream !== undefined) merge('canary', { upstream: f.canaryUpstream });
  if (f.canaryHeader !== undefined) {
    const p = predicate(f.canaryHeader);
    merge('canary', { header: p.name, ...(p.exact !== undefined && { headerValue: p.exact }), ...(p.regex !== undefined && { headerRegex: p.regex }) });
  }
  if (f.canaryCookie !== undefined) merge('canary', { cookie: f.canaryCookie });
  if (f.weight !== undefined) merge('canary', { weight: int(f.weight, 'route.canary.weight') });
  if (f.rewritePrefix !== undefined) merge('rewrite', { prefix: f.rewritePrefix });
  if (f.rewriteRegex !== undefined) merge('rewrite', { regex: f.rewriteRegex, replacement: f.rewriteTo ?? '' });
  if (f.rewriteHost !== undefined) merge('rewrite', { host: f.rewriteHost });
  if (f.setHeader || f.addHeader || f.removeHeader) {
    spec.requestHeaders = { set: pairs(f.setHeader), add: pairs(f.addHeader), remove: f.removeHeader };
  }
  if (f.setResponseHeader || f.removeResponseHeader) spec.responseHeaders = { set: pairs(f.setResponseHeader), remove: f.removeResponseHeader };
  if (f.redirect !== undefined) spec.redirect = { location: f.redirect, ...(f.redirectStatus && { status: int(f.redirectStatus, 'route.redirect.status') }) };
  if (f.directStatus !== undefined) spec.directResponse = { status: int(f.directStatus, 'route.directResponse.status'), body: f.directBody ?? '' };
  if (f.maxBody !== undefined) spec.maxBodyBytes = parseSize(f.maxBody, 'route.maxBodyBytes');
  if (f.corsOrigin) merge('cors', { allowOrigins: f.corsOrigin });
  if (f.allowIp) spec.ipAllow = f.allowIp;
  if (f.denyIp) spec.ipDeny = f.denyIp;
  if (f.retries !== undefined) merge('retries', { attempts: int(f.retries, 'route.retries.attempts') });
  if (f.retryOn !== undefined) merge('retries', { on: list(f.retryOn) });
  if (f.retryStatuses !== undefined) merge('retries', { statuses: list(f.retryStatuses).map((s) => int(s, 'route.retries.statuses')) });
  if (f.perTryTimeout !== undefined) merge('retries', { perTryTimeoutMs: duration(f.perTryTimeout, 'route.retries.perTryTimeoutMs') });
  if (f.connectTimeout !== undefined) merge('timeouts', { connectMs: duration(f.connectTimeout, 'route.timeouts.connectMs') });
  if (f.idleTimeout !== undefined) merge('timeouts', { idleMs: duration(f.idleTimeout, 'route.timeouts.idleMs') });
  if (f.totalTimeout !== undefined) merge('timeouts', { totalMs: duration(f.totalTimeout, 'route.timeouts.totalMs') });
  if (f.rateLimit !== undefined) spec.rateLimit = { ...parseRate(f.rateLimit), ...(f.rateLimitBy && { by: f.rateLimitBy }) };
  if (f.auth !== undefined) merge('auth', { methods: list(f.auth) });
  if (f.consumers !== undefined) merge('auth', { allow: list(f.consumers) });
  return spec;
}

/** `name=value`, `name~regex`, `name` (present) or `!name` (absent). */
function predicate(rule: string): { name: string; exact?: string; regex?: string; present?: boolean } {
  if (rule.startsWith('!')) return { name: rule.slice(1), present: false };
  const eq = rule.indexOf('=');
  const re = rule.indexOf('~');
  if (re > 0 && (eq === -1 || re < eq)) return { name: rule.slice(0, re), regex: rule.slice(re + 1) };
  if (eq > 0) return { name: rule.slice(0, eq), exact: rule.slice(eq + 1) };
  return { name: rule, present: true };
}

function pairs(items: string[] | undefined): Record<string, string> | undefined {
  if (!items) return undefined;
  const out: Record<string, string> = {};
  for (const item of items) {
    const eq = item.indexOf('=');
    if (eq <= 0) throw new UsageError(`header "${item}": expected name=value`);
    out[item.slice(0, eq)] = item.slice(eq + 1);
  }
  return out;
}

/** `100/s`, `600/m`, `1000/h` (also /second, /minute, /hour). */
export function parseRate(text: string): { requests: number; per: 'second' | 'minute' | 'hour' } {
  const m = /^(\d+)\/(s|sec|second|m|min|minute|h|hour)$/.exec(text.trim());
  if (!m) throw new UsageError(`route.rateLimit: must look like 100/s, 600/m or 1000/h (got "${text}")`);
  const per = m[2]!.startsWith('s') ? 'second' : m[2]!.startsWith('m') ? 'minute' : 'hour';
  return { requests: Number(m[1]), per };
}

/** `512`, `64kb`, `10mb`, `1gb` → bytes; `field` names the value in the error. */
export function parseSize(text: string, field: string): number {
  const m = /^(\d+)(b|kb|k|mb|m|gb|g)?$/i.exec(text.trim());
  if (!m) throw new UsageError(`${field}: must be a size such as 512, 64kb or 10mb (got "${text}")`);
  const unit = (m[2] ?? 'b').toLowerCase()[0];
  return Number(m[1]) * (unit === 'k' ? 1024 : unit === 'm' ? 1024 ** 2 : unit === 'g' ? 1024 ** 3 : 1);
}

function list(text: string): string[] {
  return text.split(',').map((s) => s.trim()).filter(Boolean);
}

export function int(text: string, field: string): number {
  if (!/^-?\d+$/.test(text)) throw new UsageError(`${field}: must be an integer (got "${text}")`);
  return Number(text);
}

/** `500ms`, `5s`, `2m` (a bare number is ms) → ms; `field` names the value in the error. */
export function duration(text: string, field: string): number {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m)?$/.exec(text.trim());
  if (!m) throw new UsageError(`${field}: must be a duration such as 500ms, 5s or 2m (got "${text}")`);
  const n = Number(m[1]);
  return Math.round(m[2] === 's' ? n * 1000 : m[2] === 'm' ? n * 60_000 : n);
}
