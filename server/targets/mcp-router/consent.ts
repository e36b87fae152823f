import type { IsomorphicHeaders, JSONRPCNotification } from '@modelcontextprotocol/sdk/types.js';
import { GatewayError, errors } from '../../errors/index.js';
import { publicBase } from '../../auth/vault/vault-http.js';
import { ConsentRequiredError, ConsentStoreUnavailableError } from '../../auth/vault/index.js';
import { JsonRpcCode, protocolError, refusalOf } from './mcp-errors.js';
import type { McpSession } from './session-view.js';

/** Why an anonymous caller cannot use a vault server (the tokens are kept per consumer). */
export const ANONYMOUS = "its upstream needs each user's own consent, and this caller is anonymous (authenticate to agate first)";

/** MCP 2025-11-25 URLElicitationRequiredError (client/elicitation "Error Handling"). */
export const URL_ELICITATION_REQUIRED = -32042;

/**
 * Asks the user to consent when `member` keeps per-user tokens (the token vault) and the session's consumer has
 * none stored: throws the request's answer. Returns when the member needs no consent or a token is stored.
 *
 * The 2025-11-25 spec's answer to "a request cannot be processed until an elicitation is completed" is the
 * URLElicitationRequiredError (-32042) listing the URL elicitation; a client that did not declare `elicitation.url`
 * gets the same code's message, with the URL, as -32603 (it must not be sent a URL elicitation). A 2026-07-28
 * client is asked with an `input_required` result instead (stateless-call.ts reads `data`). Once the user has
 * consented, on whichever replica, the session is sent `notifications/elicitation/complete` and its member link
 * reconnects (consentGiven). A shared consent store (Redis) that does not answer is GW_ERR_VAULT_STORE_UNAVAILABLE.
 */
export async function askConsent(session: McpSession, member: string, headers: IsomorphicHeaders | undefined): Promise<void> {
  const vault = session.services.vault;
  const consumer = session.consumer?.name;
  if (!vault || !keepsUserTokens(session, member)) return;
  if (consumer === undefined) throw protocolError(JsonRpcCode.InternalError, 'GW_ERR_UPSTREAM_TOKEN', [member, ANONYMOUS]);
  const key = { consumer, server: member };
  if (vault.has(key)) return;
  const urlMode = session.clientCapabilities.elicitation?.url !== undefined;
  const setup = { base: publicBase(headers ?? {}, false), session: session.id, notify: urlMode };
  const { url, elicitationId } = await vault.consentLink(key, setup).catch((err: unknown) => {
    if (err instanceof ConsentStoreUnavailableError) throw protocolError(JsonRpcCode.InternalError, 'GW_ERR_VAULT_STORE_UNAVAILABLE', ['no consent link can be made']);
    throw err;
  });
  const err = new GatewayError(errors.GW_ERR_UPSTREAM_CONSENT_REQUIRED, [member, url]);
  // The server and link in `data` too (both shapes): a 2026-07-28 exchange turns this into an input_required result (MRTR).
  if (!urlMode) throw refusalOf(JsonRpcCode.InternalError, err, { data: { server: member, url } });
  const message = consentMessage(member);
  throw refusalOf(URL_ELICITATION_REQUIRED, err, { data: { server: member, url, elicitations: [{ mode: 'url', elicitationId, url, message }] } });
}

/**
 * The user consented (the vault stored the tokens, here or on another replica): a client that declared URL
 * elicitation is told, and the member links waiting for this user's consent reconnect.
 */
export function consentGiven(session: McpSession, given: { elicitationId: string; notify?: boolean }): void {
  // Straight to the transport: the router answers initialize itself, so the SDK server never learnt the client's
  // capabilities and would refuse the notification.
  if (given.notify) void session.server.transport?.send(elicitationComplete(given.elicitationId)).catch(() => {});
  reconnectWaiting(session);
}

/** Reconnects the session's member links that wait for its user's consent (those of vault members that are down). */
export function reconnectWaiting(session: McpSession): void {
  for (const link of session.links) if (link.state !== 'ready' && keepsUserTokens(session, link.name)) void link.refresh().catch(() => {});
}

/** MCP 2025-11-25 `notifications/elicitation/complete` for `elicitationId`. */
export function elicitationComplete(elicitationId: string): JSONRPCNotification {
  return { jsonrpc: '2.0', method: ELICITATION_COMPLETE, params: { elicitationId } };
}

/** The method of the notice that a URL elicitation completed. */
export const ELICITATION_COMPLETE = 'notifications/elicitation/complete';

/** What the user is told when asked to open a consent link. */
export function consentMessage(member: string): string {
  return `Authorize agate to use MCP server ${member} on your behalf`;
}

/** Whether `member`'s upstream takes per-user tokens from the vault (a link down for want of one comes back once stored). */
export function keepsUserTokens(session: McpSession, member: string): boolean {
  return session.services.vault !== undefined && session.services.pool.get(member)?.backend.perUserConsent !== undefined;
}

/** A relayed call whose token went away meanwhile (revoked, refresh refused): the user is asked again. */
export function consentLost(session: McpSession, member: string, headers: IsomorphicHeaders | undefined): (err: unknown) => Promise<never> {
  return async (err) => {
    if (err instanceof ConsentRequiredError) await askConsent(session, member, headers);
    throw err;
  };
}
