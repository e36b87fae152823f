import type { Command } from 'commander';
import { UsageError } from '../../context.js';
import { parseRate } from '../route-flags.js';
import { secretName, splitPair, type PendingSecret } from './secrets.js';

/** The flags of `agate mcp add`, as commander parses them. */
export interface McpAddFlags {
  type?: string;
  transport?: string;
  timeout?: string;
  maxMessageBytes?: string;
  maxConcurrent?: string;
  header: string[];
  secretHeader: string[];
  env: string[];
  secretEnv: string[];
  stdio?: boolean;
  cwd?: string;
  isolation?: string;
  baseUrl?: string;
  server?: string;
  setting: string[];
  secret: string[];
  bundle?: string;
  prefix?: string;
  separator?: string;
  overrideOrigin: string[];
  allowHost: string[];
  /** REST: `{{.config.X}}` names each consumer may set for itself (backend.selfServiceSettings). */
  selfServiceSetting: string[];
  description?: string;
  consumer?: string[];
  allowTool: string[];
  rateLimit?: string;
  toolRateLimit?: string;
  oauthIssuer?: string;
  jwksUri?: string;
  scope: string[];
  oauthAudience?: string;
  introspectionUrl?: string;
  introspectionClientId?: string;
  introspectionSecret?: string;
  replace?: boolean;
  json?: boolean;
  /** Credential broker flags (upstream-auth-flags.ts). */
  upstreamAuth?: string;
  tokenUrl?: string;
  clientId?: string;
  clientSecret?: string;
  clientSecretSecret?: string;
  tokenScope?: string;
  tokenAudience?: string;
  tokenResource?: string;
  /** authorization_code (the per-user token vault): the upstream's issuer, or its authorization endpoint. */
  tokenIssuer?: string;
  authorizationUrl?: string;
  passthroughAuth?: boolean;
}

const collect = (value: string, previous: string[]) => [...previous, value];

/** Declares the `mcp add` options on `cmd`. */
export function withAddFlags(cmd: Command): Command {
  return cmd
    .option('--type <type>', 'what the source is: http (a remote MCP URL), rest (a REST-to-MCP file) or openapi (default: from the source)')
    .option('-t, --transport <transport>', 'remote transport: streamable or sse (default: sse when the URL ends in /sse)')
    .option('-H, --header <"Name: value">', 'header sent to a remote server (repeatable; credentials are stored encrypted)', collect, [])
    .option('--secret-header <"Name: value">', 'header stored encrypted whatever its name (repeatable)', collect, [])
    .option('--timeout <duration>', 'remote: deadline of one request without an answer or progress, e.g. 30s (default 120s)')
    .option('--max-message-bytes <size>', 'remote: largest answer or stream event accepted, e.g. 8mb (default 4mb)')
    .option('--max-concurrent <n>', 'remote: most requests in flight to the server, over all sessions (default 256; 0: no limit)')
    .option('--stdio', 'run the command after -- as a local stdio MCP server')
    .option('-e, --env <NAME=value>', 'environment variable for a stdio server (repeatable; credentials stored encrypted)', collect, [])
    .option('--secret-env <NAME=value>', 'environment variable stored encrypted whatever its name (repeatable)', collect, [])
    .option('--cwd <dir>', 'working directory of a stdio server')
    .option(
      '--isolation <mode>',
      'stdio: shared (sessions with the same client capabilities share a process, never told of roots) or per-session (a process each); default: shared, own process for sessions that declare roots',
    )
    .option('--base-url <url>', 'OpenAPI: base URL of the API (replaces servers[0].url); REST config: where path-only request URLs (url: /notes/{id}) go')
    .option('--server <hosted>', 'a hosted server built into agate: quark-search, amap-tools')
    .option('--setting <name=value>', 'setting of a hosted server or {{.config.X}} value of a REST config (repeatable)', collect, [])
    .option('--secret <name=value>', 'like --setting, stored encrypted (API keys; repeatable)', collect, [])
    .option('--bundle <servers>', 'serve these servers (comma-separated) at one endpoint')
    .option('--prefix <mode>', 'bundle tool names: always, conditional (default) or never prefixed with <server><separator>')
    .option('--separator <text>', 'bundle name separator (default ___, as Higress)')
    .option('--allow-host <host>', 'REST/OpenAPI: host, *.suffix, IP or CIDR the SSRF guard lets through though private (repeatable)', collect, [])
    .option('--self-service-setting <name>', 'REST: a {{.config.X}} name each consumer may set for its own calls at /mcp/<name>/settings (repeatable; none by default)', collect, [])
    .option('--override-origin <from=to>', 'send calls for origin <from> to <to> (hosted and REST; repeatable)', collect, [])
    .option('--description <text>', 'free text')
    .option('--consumer <names...>', 'only these consumers (or group:<name>) may use the server')
    .option('--allow-tool <name>', 'expose only these tools (repeatable)', collect, [])
    .option('--rate-limit <rate>', 'tools/call limit per consumer, e.g. 60/m')
    .option('--tool-rate-limit <rate>', 'tools/call limit per tool, e.g. 10/s')
    .option('--oauth-issuer <url>', "make the server an OAuth resource server: clients present access tokens from this issuer (not agate keys)")
    .option('--jwks-uri <url>', "OAuth: the issuer's JWKS (default: from the issuer's metadata)")
    .option('--scope <scope>', 'OAuth: a scope every token must hold (repeatable)', collect, [])
    .option('--oauth-audience <uri>', "OAuth: the tokens' required aud (default: the server's URL as clients reach it)")
    .option('--introspection-url <url>', 'OAuth: RFC 7662 endpoint that checks opaque tokens (with --introspection-client-id and --introspection-secret)')
    .option('--introspection-client-id <id>', 'OAuth: the client id agate presents to the introspection endpoint')
    .option('--introspection-secret <secret>', 'OAuth: its client secret (stored encrypted)')
    .option('--upstream-auth <type>', 'remote: get the server\'s bearer token from its authorization server: client-credentials, token-exchange (RFC 8693) or authorization-code (each user consents once; the per-user token vault)')
    .option('--token-issuer <url>', 'remote, with --upstream-auth authorization-code: the authorization server\'s issuer (its metadata gives the endpoints)')
    .option('--authorization-url <url>', 'remote, with --upstream-auth authorization-code: the authorization endpoint (with --token-url, instead of --token-issuer)')
    .option('--token-url <url>', 'remote, with --upstream-auth: the authorization server\'s token endpoint')
    .option('--client-id <id>', 'remote, with --upstream-auth: agate\'s client id there')
    .option('--client-secret <value>', 'remote, with --upstream-auth: the client secret (stored encrypted)')
    .option('--client-secret-secret <name>', 'remote, with --upstream-auth: the name of a stored secret holding the client secret')
    .option('--token-scope <scopes>', 'remote, with --upstream-auth: space-separated scopes to ask for')
    .option('--token-audience <aud>', 'remote, with --upstream-auth: the audience to ask for')
    .option('--token-resource <url>', 'remote, with --upstream-auth: the resource indicator (RFC 8707) to ask for')
    .option('--passthrough-auth', 'remote: send the client\'s Authorization header to the server (Higress passthroughAuthHeader); agate keys then go in X-API-Key')
    .option('--replace', 'replace an existing server of the same name')
    .option('--json', 'print JSON');
}

/** `name=value` pairs (settings, env) as a map; the flag names the culprit. */
export function pairMap(items: readonly string[], separator: ':' | '=', flag: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const item of items) {
    const pair = splitPair(item, separator);
    if (!pair || pair[0] === '') throw new UsageError(`${flag} "${item}": expected ${separator === ':' ? '"Name: value"' : 'name=value'}`);
    out.set(pair[0], pair[1]);
  }
  return out;
}

/** The access and rate-limit part of the spec from the flags. */
export function policyFromFlags(f: McpAddFlags, name: string): Record<string, unknown> {
  const spec: Record<string, unknown> = {};
  const access: Record<string, unknown> = {};
  if (f.consumer?.length) access.consumers = f.consumer;
  if (f.allowTool.length) access.allowTools = f.allowTool;
  if (Object.keys(access).length) spec.access = access;
  const rateLimit: Record<string, unknown> = {};
  if (f.rateLimit) rateLimit.perConsumer = limit(f.rateLimit, 'perConsumer');
  if (f.toolRateLimit) rateLimit.perTool = limit(f.toolRateLimit, 'perTool');
  if (Object.keys(rateLimit).length) spec.rateLimit = rateLimit;
  const auth = oauthFromFlags(f, name);
  if (auth) spec.auth = auth;
  return spec;
}

/** The `auth` of an OAuth-protected server from --oauth-issuer and the flags that refine it. */
function oauthFromFlags(f: McpAddFlags, name: string): Record<string, unknown> | undefined {
  const introspection = [f.introspectionUrl, f.introspectionClientId, f.introspectionSecret];
  if (!f.oauthIssuer) {
    const stray = f.jwksUri ? '--jwks-uri' : f.scope.length ? '--scope' : f.oauthAudience ? '--oauth-audience' : introspection.some(Boolean) ? '--introspection-*' : undefined;
    if (stray) throw new UsageError(`${stray} needs --oauth-issuer`);
    return undefined;
  }
  const auth: Record<string, unknown> = { type: 'oauth', issuer: f.oauthIssuer, scopes: f.scope };
  if (f.jwksUri) auth.jwksUri = f.jwksUri;
  if (f.oauthAudience) auth.audience = f.oauthAudience;
  if (introspection.some(Boolean)) {
    if (!introspection.every(Boolean)) throw new UsageError('--introspection-url, --introspection-client-id and --introspection-secret go together');
    auth.introspection = { url: f.introspectionUrl, clientId: f.introspectionClientId, clientSecret: introspectionSecretName(name) };
  }
  return auth;
}

function introspectionSecretName(server: string): string {
  return secretName(server, 'introspection', 'client-secret');
}

/** The introspection client secret `--introspection-secret` gives, to store encrypted with the server. */
export function introspectionSecret(server: string, f: McpAddFlags): PendingSecret | undefined {
  if (!f.oauthIssuer || !f.introspectionSecret) return undefined;
  return { name: introspectionSecretName(server), value: f.introspectionSecret, label: 'OAuth introspection client secret' };
}

function limit(text: string, which: string): { requests: number; windowSeconds: number } {
  try {
    const { requests, per } = parseRate(text);
    return { requests, windowSeconds: per === 'second' ? 1 : per === 'minute' ? 60 : 3600 };
  } catch {
    throw new UsageError(`mcpServer.rateLimit.${which}: must look like 10/s, 60/m or 1000/h (got "${text}")`);
  }
}

/** `--override-origin from=to` flags as an origin map (validated by the schema and the server). */
export function originOverrides(f: McpAddFlags): Record<string, string> | undefined {
  if (f.overrideOrigin.length === 0) return undefined;
  return Object.fromEntries(pairMap(f.overrideOrigin, '=', '--override-origin'));
}
