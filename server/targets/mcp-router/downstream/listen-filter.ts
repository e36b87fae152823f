import type { ServerCapabilities } from '@modelcontextprotocol/sdk/types.js';
import { GatewayError, errors } from '../../../errors/index.js';
import { isObject } from '../json-rpc.js';

/** The notifications a 2026-07-28 `subscriptions/listen` opts in to (schema: SubscriptionFilter). */
export interface ListenFilter {
  readonly toolsListChanged?: true;
  readonly promptsListChanged?: true;
  readonly resourcesListChanged?: true;
  /** Resource URIs as the client names them. */
  readonly resourceSubscriptions?: readonly string[];
}

/** Resource URIs one listen may subscribe to: each is an upstream subscription, so one request cannot ask for thousands. */
export const MAX_LISTEN_URIS = 64;
/** The longest URI subscribed to, characters. */
const MAX_URI = 2048;

const FLAGS = ['toolsListChanged', 'promptsListChanged', 'resourcesListChanged'] as const;

/**
 * The filter of a listen request's params, as requested: only the types asked for with `true` (an absent or
 * `false` field asks for nothing), URIs without duplicates. A malformed one is refused naming the field
 * (-32602): `notifications` is required (SubscriptionsListenRequestParams).
 */
export function listenFilterOf(params: unknown): ListenFilter {
  const notifications = isObject(params) ? params.notifications : undefined;
  if (!isObject(notifications)) throw invalid('params.notifications must be an object (the SubscriptionFilter)');
  const filter: { -readonly [K in keyof ListenFilter]: ListenFilter[K] } = {};
  for (const flag of FLAGS) {
    const value = notifications[flag];
    if (value !== undefined && typeof value !== 'boolean') throw invalid(`params.notifications.${flag} must be a boolean`);
    if (value === true) filter[flag] = true;
  }
  const uris = notifications.resourceSubscriptions;
  if (uris === undefined) return filter;
  const field = 'params.notifications.resourceSubscriptions';
  if (!Array.isArray(uris)) throw invalid(`${field} must be an array of resource URIs`);
  if (uris.length > MAX_LISTEN_URIS) throw invalid(`${field} holds ${uris.length} URIs, at most ${MAX_LISTEN_URIS} per listen`);
  uris.forEach((uri, i) => {
    if (typeof uri !== 'string' || uri === '' || uri.length > MAX_URI) throw invalid(`${field}[${i}] must be a URI string of 1 to ${MAX_URI} characters`);
  });
  if (uris.length > 0) filter.resourceSubscriptions = [...new Set(uris as string[])];
  return filter;
}

/**
 * The list-change part of `filter` the server can deliver: a type whose capability the router does not offer is
 * left out (as the v2 SDK's listen router narrows its acknowledged filter). Resource URIs are narrowed apart, by
 * subscribing to them.
 */
export function deliverableChanges(filter: ListenFilter, capabilities: ServerCapabilities): ListenFilter {
  const out: { -readonly [K in keyof ListenFilter]: ListenFilter[K] } = {};
  if (filter.toolsListChanged && capabilities.tools?.listChanged) out.toolsListChanged = true;
  if (filter.promptsListChanged && capabilities.prompts?.listChanged) out.promptsListChanged = true;
  if (filter.resourcesListChanged && capabilities.resources?.listChanged) out.resourcesListChanged = true;
  return out;
}

function invalid(what: string): GatewayError {
  return new GatewayError(errors.GW_ERR_MCP_INVALID_PARAMS, [what]);
}
