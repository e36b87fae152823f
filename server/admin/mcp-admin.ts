/**
 * Admin endpoints for MCP servers: CRUD on the stored specs (secret header and env values masked), a REST-to-MCP
 * server from a Higress YAML text with positioned problems, and the tools of a served server, listed and called
 * through the gateway's own data plane (so the call meets the same policy a client's would).
 */
import type { Request, Response, Router } from 'express';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { RegistryError, maskMcpServer, shownEra, type McpServerSpec, type Registry } from '../../registry/index.js';
import { gatewayError } from '../errors/index.js';
import { mcpServerUrls } from '../targets/mcp-router/urls.js';
import { sendAdminError, sendRegistryError } from './admin-errors.js';
import { mountCrud } from './crud.js';
import type { PositionedProblem } from './rest-config-positions.js';
import { checkRestConfigInWorker, type ConfigCheckInput } from './rest-config-check.js';

/** What the MCP endpoints need. */
export interface McpAdminDeps {
  readonly registry: Registry;
  /** The data plane's base URL once it listens (tools are listed and called through it). */
  readonly dataPlaneUrl: () => string | undefined;
}

const MAX_CONFIG_CHARS = 256 * 1024;
// OpenAPI specs run larger than hand-written configs; the admin body limit (1 MB) bounds them anyway.
const MAX_OPENAPI_CHARS = 1000 * 1024;
const CALL_TIMEOUT_MS = 30_000;

/** Mounts `/mcp-servers` (CRUD), `POST /mcp-servers-from-config`, and `/mcp-servers/:name/tools[/:tool/call]`. */
export function mountMcpAdmin(router: Router, deps: McpAdminDeps): void {
  // Each answer carries the server's protocol era as a gateway learnt it (read-only: dropped from bodies sent back).
  const show = (spec: McpServerSpec): McpServerSpec => ({ ...maskMcpServer(spec), era: shownEra(spec.backend.kind, deps.registry.memberEras.get(spec.name)) }) as McpServerSpec;
  mountCrud(router, { plural: 'mcp-servers', store: deps.registry.mcpServers, show, accept: withoutEra });
  // Returned, not voided: express 5 sends a rejected handler's error to the admin error handler.
  router.post('/mcp-servers-from-config', (req, res) => fromConfig(deps.registry, req, res));
  router.get('/mcp-servers/:name/tools', (req: Request<{ name: string }>, res) => {
    void withClient({ deps, name: req.params.name, res }, async (client) => res.json(await client.listTools()));
  });
  router.post('/mcp-servers/:name/tools/:tool/call', (req: Request<{ name: string; tool: string }>, res) => {
    const args = (req.body as { arguments?: unknown } | undefined)?.arguments ?? {};
    if (typeof args !== 'object' || args === null || Array.isArray(args)) {
      return sendAdminError(res, gatewayError('GW_ERR_BAD_REQUEST', 'body.arguments: must be a JSON object'));
    }
    void withClient({ deps, name: req.params.name, res }, async (client) => {
      const started = performance.now();
      const result = await client.callTool({ name: req.params.tool, arguments: args as Record<string, unknown> }, undefined, { timeout: CALL_TIMEOUT_MS });
      res.json({ result, ms: Math.round((performance.now() - started) * 10) / 10 });
    });
  });
}

/**
 * `{ name, text, type?, baseUrl?, allowHosts? }`: a REST-to-MCP server from a Higress config (`type` "rest", the
 * default) or an OpenAPI spec (`type` "openapi", converted as `agate mcp add --type openapi` does, with `baseUrl`
 * and `allowHosts` as its `--base-url` and `--allow-host`); problems come as `line:col: message`.
 */
async function fromConfig(registry: Registry, req: Request, res: Response): Promise<void> {
  const body = configBody(req.body);
  if (!body.ok) return invalid(res, body.problems);
  const checked = await checkRestConfigInWorker(body.input);
  if (!checked.ok) return invalid(res, checked.problems);
  if (checked.kind === 'toolSet') return invalid(res, [{ message: 'toolSet: a toolSet becomes a bundle; add it with `agate mcp add <name> <file>`' }]);
  if (checked.kind === 'mcpProxy') return invalid(res, [{ message: 'server.type: an mcp-proxy config becomes a remote MCP server; add it with `agate mcp add <name> <file>`' }]);
  if (checked.filledSecrets.length) {
    return invalid(res, checked.filledSecrets.map((s) => ({ message: `server.config.${s}: leave credentials empty here and set them with \`agate mcp add --secret ${s}=…\`` })));
  }
  const spec = { name: body.name ?? checked.name, backend: { kind: 'rest', config: checked.source } };
  // After the await this runs outside the admin app's no-wait write scope: it must not sleep in SQLite's busy
  // handler on the loop either.
  const written = registry.tryWrite(() => registry.mcpServers.create(spec, 'admin-api'));
  if (written.ok) return void res.status(201).json({ ...maskMcpServer(written.value), ...(checked.warnings.length && { warnings: checked.warnings }) });
  if (written.busy) return sendAdminError(res, gatewayError('GW_ERR_ADMIN_REGISTRY_BUSY', `${req.method} ${req.path}`), { headers: { 'Retry-After': '1' } });
  sendRegistryError(res, written.error);
}

/** The body of `POST /mcp-servers-from-config`, checked field by field. */
function configBody(raw: unknown): { ok: true; input: ConfigCheckInput; name?: string } | { ok: false; problems: PositionedProblem[] } {
  const { name, text, type = 'rest', baseUrl, allowHosts } = (raw ?? {}) as Record<string, unknown>;
  const problems: string[] = [];
  if (type !== 'rest' && type !== 'openapi') problems.push('type: must be "rest" or "openapi"');
  const max = type === 'openapi' ? MAX_OPENAPI_CHARS : MAX_CONFIG_CHARS;
  if (typeof text !== 'string' || text.trim() === '') problems.push('text: the config text is required');
  else if (text.length > max) problems.push(`text: longer than ${max} characters`);
  if (name !== undefined && typeof name !== 'string') problems.push('name: must be a string');
  if (baseUrl !== undefined && baseUrl !== '' && typeof baseUrl !== 'string') problems.push('baseUrl: must be a string');
  if (allowHosts !== undefined && !(Array.isArray(allowHosts) && allowHosts.every((h) => typeof h === 'string'))) problems.push('allowHosts: must be an array of strings');
  if (type !== 'openapi' && (baseUrl || (Array.isArray(allowHosts) && allowHosts.length))) problems.push('baseUrl, allowHosts: only for type "openapi" (a REST config says them in its own agate section)');
  if (problems.length) return { ok: false, problems: problems.map((message) => ({ message })) };
  const named = typeof name === 'string' && name ? name : undefined;
  const openapi = type === 'openapi' ? { name: named, baseUrl: (baseUrl as string | undefined) || undefined, allowHosts: allowHosts as string[] | undefined } : undefined;
  return { ok: true, input: { text: text as string, openapi }, name: named };
}

function invalid(res: Response, problems: readonly PositionedProblem[]): void {
  sendAdminError(res, gatewayError('GW_ERR_ADMIN_INVALID', 'invalid REST-to-MCP config'), { problems: problems.map((p) => (p.line ? `${p.line}:${p.col}: ${p.message}` : p.message)) });
}

/** Runs `use` with an MCP client connected to server `name` through the data plane; failures become 502 answers. */
async function withClient(at: { deps: McpAdminDeps; name: string; res: Response }, use: (client: Client) => Promise<unknown>): Promise<void> {
  const { deps, name, res } = at;
  if (!deps.registry.mcpServers.get(name)) return sendRegistryError(res, new RegistryError('not_found', [`mcpServer "${name}" not found`]));
  const listening = deps.dataPlaneUrl();
  if (!listening) return sendAdminError(res, gatewayError('GW_ERR_INTERNAL'));
  const base = new URL(listening);
  // A wildcard bind address is not a destination.
  if (base.hostname === '0.0.0.0' || base.hostname === '[::]') base.hostname = '127.0.0.1';
  const client = new Client({ name: 'agate-console', version: '1.0.0' });
  try {
    await client.connect(new StreamableHTTPClientTransport(new URL(mcpServerUrls(base.origin, name).streamableHttp)));
    await use(client);
  } catch (err) {
    sendAdminError(res, gatewayError('GW_ERR_MCP_BACKEND_FAILED', `"${name}" (${(err as Error).message})`));
  } finally {
    await client.close().catch(() => undefined);
  }
}

/** A body without the read-only `era` the answers carry (the console sends a record back as it read it). */
function withoutEra(body: unknown): unknown {
  if (!body || typeof body !== 'object' || Array.isArray(body) || !('era' in body)) return body;
  const { era: _era, ...rest } = body as Record<string, unknown>;
  return rest;
}
