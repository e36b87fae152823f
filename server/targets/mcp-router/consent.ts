import type { IsomorphicHeaders } from '@modelcontextprotocol/sdk/types.js';
import { GatewayError, errors } from '../../errors/index.js';
import { publicBase } from '../../auth/vault/vault-http.js';
import { JsonRpcCode, refusalOf } from './mcp-errors.js';
import type { MemberLink } from './member-link.js';
import type { McpSession } from './session-view.js';

/** MCP 2025-11-25 URLElicitationRequiredError (client/elicitation "Error Handling"). */
export const URL_ELICITATION_REQUIRED = -32042;

/**
 * A call to `link`'s member that found it not up: when the member keeps per-user tokens (the token vault) and the
 * consumer has none, the user is asked to consent (this throws); when a token has been stored since the link failed
 * for want of one, the link reconnects now. Returns without doing anything for other members.
 *
 * The 2025-11-25 spec's answer to "a request cannot be processed until an elicitation is completed" is the
 * URLElicitationRequiredError (-32042) listing the URL elicitation; a client that did not declare `elicitation.url`
 * gets the same code's message, with the URL, as -32603 (it must not be sent a URL elicitation). 2026-07-28's
 * `input_required` (MRTR) is not served downstream yet, so 2026 clients get the -32042 error too.
 */
export async function consentOrReconnect(session: McpSession, link: MemberLink, headers: IsomorphicHeaders | undefined): Promise<void> {
  const vault = session.services.vault;
  const endpoint = session.services.pool.get(link.name)?.backend.perUserConsent;
  const consumer = session.consumer?.name;
  if (!vault || !endpoint || consumer === undefined) return;
  const key = { consumer, server: link.name };
  if (vault.has(key)) return link.refresh();
  const onComplete = () => {
    void session.server.notification({ method: 'notifications/elicitation/complete', params: { elicitationId } }).catch(() => {});
    void link.refresh();
  };
  const { url, elicitationId } = vault.consentLink(key, { endpoint, base: publicBase(headers ?? {}, false), onComplete });
  const err = new GatewayError(errors.GW_ERR_UPSTREAM_CONSENT_REQUIRED, [link.name, url]);
  const urlMode = session.clientCapabilities.elicitation?.url !== undefined;
  if (!urlMode) throw refusalOf(JsonRpcCode.InternalError, err);
  const message = `Authorize agate to use MCP server ${link.name} on your behalf`;
  throw refusalOf(URL_ELICITATION_REQUIRED, err, { data: { elicitations: [{ mode: 'url', elicitationId, url, message }] } });
}
