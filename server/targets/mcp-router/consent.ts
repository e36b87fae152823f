import type { IsomorphicHeaders } from '@modelcontextprotocol/sdk/types.js';
import { GatewayError, errors } from '../../errors/index.js';
import { publicBase } from '../../auth/vault/vault-http.js';
import { ConsentRequiredError } from '../../auth/vault/index.js';
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
 * consented, the session is sent `notifications/elicitation/complete` and its member link reconnects.
 */
export function askConsent(session: McpSession, member: string, headers: IsomorphicHeaders | undefined): void {
  const vault = session.services.vault;
  const endpoint = session.services.pool.get(member)?.backend.perUserConsent;
  const consumer = session.consumer?.name;
  if (!vault || !endpoint) return;
  if (consumer === undefined) throw protocolError(JsonRpcCode.InternalError, 'GW_ERR_UPSTREAM_TOKEN', [member, ANONYMOUS]);
  const key = { consumer, server: member };
  if (vault.has(key)) return;
  const urlMode = session.clientCapabilities.elicitation?.url !== undefined;
  const onComplete = () => {
    // Straight to the transport: the router answers initialize itself, so the SDK server never learnt the client's
    // capabilities and would refuse the notification; only a client that declared URL elicitation gets it.
    if (urlMode) void session.server.transport?.send({ jsonrpc: '2.0', method: 'notifications/elicitation/complete', params: { elicitationId } }).catch(() => {});
    void session.links.find((l) => l.name === member)?.refresh();
  };
  const { url, elicitationId } = vault.consentLink(key, { endpoint, base: publicBase(headers ?? {}, false), onComplete });
  const err = new GatewayError(errors.GW_ERR_UPSTREAM_CONSENT_REQUIRED, [member, url]);
  // The server and link in `data` too (both shapes): a 2026-07-28 exchange turns this into an input_required result (MRTR).
  if (!urlMode) throw refusalOf(JsonRpcCode.InternalError, err, { data: { server: member, url } });
  const message = consentMessage(member);
  throw refusalOf(URL_ELICITATION_REQUIRED, err, { data: { server: member, url, elicitations: [{ mode: 'url', elicitationId, url, message }] } });
}

/** What the user is told when asked to open a consent link. */
export function consentMessage(member: string): string {
  return `Authorize agate to use MCP server ${member} on your behalf`;
}

/** Whether `member`'s upstream takes per-user tokens from the vault (a link down for want of one comes back once stored). */
export function keepsUserTokens(session: McpSession, member: string): boolean {
  return session.services.vault !== undefined && session.services.pool.get(member)?.backend.perUserConsent !== undefined;
}

/** A relayed call whose token went away meanwhile (revoked, refresh refused): the user is asked again. */
export function consentLost(session: McpSession, member: string, headers: IsomorphicHeaders | undefined): (err: unknown) => never {
  return (err) => {
    if (err instanceof ConsentRequiredError) askConsent(session, member, headers);
    throw err;
  };
}
