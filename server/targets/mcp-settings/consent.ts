import type { Registry } from '../../../registry/index.js';
import { GatewayError, errors, gatewayError } from '../../errors/index.js';
import { respond } from '../../filters/respond.js';
import type { McpGatewayContext } from '../mcp-router/types.js';
import { writeAsConsumer } from './write-as-consumer.js';

/**
 * `/mcp/<name>/consent`: the caller's own grants in the per-user token vault for that server (for a bundle, its
 * members). `GET` lists them (scope, expiry; never a token), `DELETE` revokes them, so a user can withdraw what it
 * gave without asking the admin. There is no consumer parameter: the consumer is the authenticated one, and an
 * OAuth token holder (whose grants are kept under its issuer and subject) may revoke its own too.
 */
export function serveConsent(ctx: McpGatewayContext, registry: Registry): void {
  const consumer = ctx.consumer?.name;
  // An anonymous caller has no grants: the vault keeps tokens per consumer.
  if (consumer === undefined) throw gatewayError('GW_ERR_AUTH_MISSING');
  const servers = grantServers(registry, ctx.mcp!.server.name);
  const method = ctx.request.method;
  if (method === 'GET' || method === 'HEAD') return reply(ctx, { server: ctx.mcp!.server.name, consumer, grants: grantsOf(registry, consumer, servers) });
  if (method === 'DELETE') {
    const revoked = writeAsConsumer(ctx, registry, () => servers.flatMap((s) => registry.vaultTokens.revoke(consumer, s, 'data-plane')));
    return reply(ctx, { server: ctx.mcp!.server.name, consumer, revoked });
  }
  throw new GatewayError(errors.GW_ERR_MCP_METHOD_NOT_ALLOWED, [method], { headers: { allow: 'GET, HEAD, DELETE' } });
}

/** The servers whose grants `/mcp/<name>/consent` concerns: the server itself, or a bundle's members. */
function grantServers(registry: Registry, name: string): string[] {
  const backend = registry.mcpServers.get(name)?.backend;
  return backend?.kind === 'bundle' ? [...backend.members] : [name];
}

function grantsOf(registry: Registry, consumer: string, servers: readonly string[]) {
  return registry.vaultTokens
    .list(consumer)
    .filter((g) => servers.includes(g.server))
    .map(({ server, scope, expiresAt, refreshable, createdAt, updatedAt }) => ({ server, scope, expiresAt, refreshable, createdAt, updatedAt }));
}

function reply(ctx: McpGatewayContext, body: Record<string, unknown>): void {
  respond(ctx, { status: 200, headers: { 'content-type': 'application/json', 'cache-control': 'no-store' }, body: JSON.stringify(body) });
}
