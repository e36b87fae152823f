import {
  RegistryError,
  consumerSettingsInfo,
  consumerSettingsPolicy,
  setConsumerSettings,
  unsetConsumerSettings,
  type ConsumerSettingsPolicy,
  type ConsumerSettingsTarget,
  type Registry,
} from '../../../registry/index.js';
import { GatewayError, errors, gatewayError } from '../../errors/index.js';
import { storedRestSettingNames } from '../../../servers/rest-to-mcp/index.js';
import { buildChain, type Chain, type Filter, type GatewayContext, type RouteTarget } from '../../pipeline/index.js';
import { bucketId, bucketLimit } from '../../filters/rate-limit.js';
import { respond } from '../../filters/respond.js';
import type { RateLimitStore } from '../../rate-limit/index.js';
import type { McpGatewayContext } from '../mcp-router/types.js';
import { printable, readSettings } from './settings-body.js';
import { serveConsent } from './consent.js';
import { writeAsConsumer } from './write-as-consumer.js';

export { SETTINGS_BODY_LIMIT } from './settings-body.js';

/** Settings requests per consumer over all servers (per address for anonymous ones): 10 at once, 20 a minute. */
export const SETTINGS_RATE = Object.freeze({ tokens: 20, intervalMs: 60_000, capacity: 10 });

/** What the settings target is built with. */
export interface McpSettingsTargetOptions {
  /** Where settings are stored (encrypted) and read back (names only). */
  readonly registry: Registry;
  /** The gateway's one quota store: the endpoint's rate limit spends it. */
  readonly store: RateLimitStore;
}

/**
 * The `mcp-settings` target: `/mcp/<name>/settings`, where a consumer, authenticated by the same `auth` filter as
 * the server's MCP endpoint, reads (names only), sets and removes its own `{{.config.X}}` values for that server.
 * There is no consumer parameter: the consumer is the authenticated one. Writes take the admin's registry path
 * (validated, encrypted, one transaction, audited with the consumer as actor). It also serves
 * `/mcp/<name>/consent`, the consumer's own upstream grants in the token vault (see consent.ts).
 */
export class McpSettingsTarget implements RouteTarget {
  readonly kind = 'mcp-settings' as const;
  private readonly chain: Chain;

  constructor(options: McpSettingsTargetOptions) {
    const limit = bucketLimit(
      { rule: SETTINGS_RATE, bucketOf: (ctx) => bucketId(ctx, 'consumer'), subjectOf: (ctx) => `${ctx.route?.name ?? 'mcp settings'}`, onStoreError: 'closed' },
      { store: options.store, scope: 'mcp-settings' },
    );
    this.chain = buildChain('mcp-settings', { 'rate-limit': limit, 'consumer-settings': serveSettings(options.registry) });
  }

  handle(ctx: GatewayContext): Promise<void> {
    return this.chain(ctx);
  }
}

/** The terminal: GET lists the consumer's setting names, PUT sets some, DELETE removes some or all. */
function serveSettings(registry: Registry): Filter {
  return async function consumerSettings(ctx: McpGatewayContext) {
    if (ctx.mcp!.endpoint === 'consent') return serveConsent(ctx, registry);
    const target = whose(ctx);
    const method = ctx.request.method;
    if (method === 'GET' || method === 'HEAD') return reply(ctx, registry, { target, policy: policyOf(registry, target) });
    if (method === 'PUT') {
      const values = await readSettings(ctx);
      const policy = policyOf(registry, target);
      mayWrite(policy, target, Object.keys(values));
      writeAsConsumer(ctx, registry, () => setConsumerSettings(registry, { ...target, values, origin: 'data-plane', settingNames: storedRestSettingNames }));
      return reply(ctx, registry, { target, policy });
    }
    if (method === 'DELETE') {
      const policy = policyOf(registry, target);
      const asked = new URLSearchParams(ctx.request.query).getAll('key');
      const keys = asked.length ? asked : current(registry, target).filter((k) => policy.selfService.includes(k));
      mayWrite(policy, target, keys);
      const removed = keys.length ? writeAsConsumer(ctx, registry, () => unsetConsumerSettings(registry, { ...target, keys, origin: 'data-plane' })) : [];
      return reply(ctx, registry, { target, policy, removed });
    }
    throw new GatewayError(errors.GW_ERR_MCP_METHOD_NOT_ALLOWED, [method], { headers: { allow: 'GET, HEAD, PUT, DELETE' } });
  };
}

/** The consumer and server a request concerns: only an authenticated agate consumer of a REST server has settings. */
function whose(ctx: McpGatewayContext): ConsumerSettingsTarget {
  const server = ctx.mcp!.server;
  const consumer = ctx.consumer;
  // An anonymous request has no settings to read or write, whatever the server admits.
  if (!consumer) throw gatewayError('GW_ERR_AUTH_MISSING');
  if (consumer.oauth) throw gatewayError('GW_ERR_SETTINGS_NOT_SELF_SERVICE', server.name, 'settings for an OAuth token holder (only agate consumers hold settings)');
  if (server.backend?.kind !== 'rest') throw gatewayError('GW_ERR_SETTINGS_NOT_SELF_SERVICE', server.name, 'settings (only REST servers take them)');
  return { consumer: consumer.name, server: server.name };
}

/** The server's settings policy as the registry holds it now (the snapshot may be a reload behind). */
function policyOf(registry: Registry, target: ConsumerSettingsTarget): ConsumerSettingsPolicy {
  try {
    return consumerSettingsPolicy(registry, target.server, storedRestSettingNames);
  } catch (err) {
    if (err instanceof RegistryError) throw gatewayError('GW_ERR_MCP_SERVER_NOT_FOUND', target.server);
    throw err;
  }
}

/** Undeclared keys are a bad request (400, named with the ones there are); declared but not self-service, a 403. */
function mayWrite(policy: ConsumerSettingsPolicy, target: ConsumerSettingsTarget, keys: readonly string[]): void {
  const undeclared = keys.filter((k) => !policy.declared.includes(k));
  if (undeclared.length) {
    const has = policy.declared.join(', ') || 'none';
    throw gatewayError('GW_ERR_SETTINGS_INVALID', `${target.server} has no setting ${undeclared.map((k) => `"${printable(k)}"`).join(', ')} (its config has: ${has})`);
  }
  const closed = keys.filter((k) => !policy.selfService.includes(k));
  if (closed.length) throw gatewayError('GW_ERR_SETTINGS_NOT_SELF_SERVICE', target.server, closed.map((k) => `"${k}"`).join(', '));
}

function current(registry: Registry, target: ConsumerSettingsTarget): string[] {
  return Object.keys(registry.consumers.store.get(target.consumer)?.mcpSettings?.[target.server] ?? {});
}

/** Answers with the consumer's setting names (never values), when and by whom each was set, and what it may set. */
function reply(ctx: GatewayContext, registry: Registry, o: { target: ConsumerSettingsTarget; policy: ConsumerSettingsPolicy; removed?: string[] }): void {
  const body = {
    server: o.target.server,
    consumer: o.target.consumer,
    settings: consumerSettingsInfo(registry, o.target),
    selfService: o.policy.selfService,
    ...(o.removed && { removed: o.removed }),
  };
  respond(ctx, { status: 200, headers: { 'content-type': 'application/json', 'cache-control': 'no-store' }, body: JSON.stringify(body) });
}
