/**
 * Admin endpoints for MCP servers: CRUD on the stored specs (secret header and env values masked), a REST-to-MCP
 * server from a Higress YAML text with positioned problems, and the tools of a served server, listed and called
 * through the gateway's own data plane (so the call meets the same policy a client's would).
 */
import type { Request, Response, Router } from 'express';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { RegistryError, maskMcpServer, type Registry } from '../../registry/index.js';
import { gatewayError } from '../errors/index.js';
import { mcpServerUrls } from '../targets/mcp-router/urls.js';
import { sendAdminError, sendRegistryError } from './admin-errors.js';
import { mountCrud } from './crud.js';
import type { PositionedProblem } from './rest-config-positions.js';
import { checkRestConfigInWorker } from './rest-config-check.js';

/** What the MCP endpoints need. */
export interface McpAdminDeps {
  readonly registry: Registry;
  /** The data plane's base URL once it listens (tools are listed and called through it). */
  readonly dataPlaneUrl: () => string | undefined;
}

const MAX_CONFIG_CHARS = 256 * 1024;
const CALL_TIMEOUT_MS = 30_000;

/** Mounts `/mcp-servers` (CRUD), `POST /mcp-servers-from-config`, and `/mcp-servers/:name/tools[/:tool/call]`. */
export function mountMcpAdmin(router: Router, deps: McpAdminDeps): void {
  mountCrud(router, { plural: 'mcp-servers', store: deps.registry.mcpServers, show: maskMcpServer });
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

/** `{ name, text }`: a REST-to-MCP server from a Higress config; problems come as `line:col: message`. */
async function fromConfig(registry: Registry, req: Request, res: Response): Promise<void> {
  const { name, text } = (req.body ?? {}) as { name?: unknown; text?: unknown };
  if (typeof text !== 'string' || text.trim() === '') return invalid(res, [{ message: 'text: the config text is required' }]);
  if (text.length > MAX_CONFIG_CHARS) return invalid(res, [{ message: `text: longer than ${MAX_CONFIG_CHARS} characters` }]);
  const checked = await checkRestConfigInWorker(text);
  if (!checked.ok) return invalid(res, checked.problems);
  if (checked.kind === 'toolSet') return invalid(res, [{ message: 'toolSet: a toolSet becomes a bundle; add it with `agate mcp add <name> <file>`' }]);
  if (checked.kind === 'mcpProxy') return invalid(res, [{ message: 'server.type: an mcp-proxy config becomes a remote MCP server; add it with `agate mcp add <name> <file>`' }]);
  if (checked.filledSecrets.length) {
    return invalid(res, checked.filledSecrets.map((s) => ({ message: `server.config.${s}: leave credentials empty here and set them with \`agate mcp add --secret ${s}=…\`` })));
  }
  const spec = { name: typeof name === 'string' && name ? name : checked.name, backend: { kind: 'rest', config: checked.source } };
  // After the await this runs outside the admin app's no-wait write scope: it must not sleep in SQLite's busy
  // handler on the loop either.
  const written = registry.tryWrite(() => registry.mcpServers.create(spec, 'admin-api'));
  if (written.ok) return void res.status(201).json(maskMcpServer(written.value));
  if (written.busy) return sendAdminError(res, gatewayError('GW_ERR_ADMIN_REGISTRY_BUSY', `${req.method} ${req.path}`), { headers: { 'Retry-After': '1' } });
  sendRegistryError(res, written.error);
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
