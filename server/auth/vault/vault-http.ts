import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { TLSSocket } from 'node:tls';
import type { Logger } from 'pino';
import { GatewayError, errors, gatewayError, renderHttpError, toGatewayError } from '../../errors/index.js';
import { ConsentStoreUnavailableError } from './consent-states.js';
import { ConsentRefusedError, VAULT_CALLBACK_PATH, VAULT_START_PATH, type TokenVault } from './token-vault.js';

/** The data-plane prefix of the vault's two browser endpoints. */
export const VAULT_PATH_PREFIX = '/oauth/vault/';

/**
 * The scheme and authority the browser used to reach this listener (the redirect URI is built on it): the Host the
 * Host check admitted, and https when the socket is TLS or a TLS-terminating proxy says so (`X-Forwarded-Proto`).
 * A client that lies about either only breaks its own link: the authorization server checks the redirect URI
 * against the registered one.
 */
export function publicBase(headers: Record<string, string | string[] | undefined>, encrypted: boolean): string {
  const first = (v: string | string[] | undefined) => (Array.isArray(v) ? v[0] : v);
  const https = encrypted || first(headers['x-forwarded-proto'])?.split(',')[0]?.trim().toLowerCase() === 'https';
  return `${https ? 'https' : 'http'}://${first(headers.host)}`;
}

// The answer pages are plain text and never framed: nothing of the flow is shown to another origin.
const PAGE_HEADERS = { 'content-type': 'text/plain; charset=utf-8', 'cache-control': 'no-store', 'x-frame-options': 'DENY', 'referrer-policy': 'no-referrer' };

/** The answer to a link or callback that cannot go on: refused (400), or the shared consent store away (503). */
function refusalOf(err: unknown, path: string) {
  if (err instanceof ConsentRefusedError) return gatewayError('GW_ERR_VAULT_CONSENT_REFUSED', err.message);
  if (err instanceof ConsentStoreUnavailableError) {
    const what = path === VAULT_START_PATH ? 'the consent link cannot be opened' : 'the authorization callback cannot be taken';
    return new GatewayError(errors.GW_ERR_VAULT_STORE_UNAVAILABLE, [what], { cause: err, headers: { 'retry-after': '1' } });
  }
  return toGatewayError(err);
}

/**
 * The browser's side of the vault (data plane): `GET /oauth/vault/start?state=…` (the consent link a client was
 * given) redirects to the upstream's authorization server; `GET /oauth/vault/callback` takes its answer. A bad,
 * used or expired state is a 400 `GW_ERR_VAULT_CONSENT_REFUSED` saying why, a shared consent store (Redis) that does
 * not answer a 503 `GW_ERR_VAULT_STORE_UNAVAILABLE`; tokens never appear in an answer or a log.
 */
export function vaultIngress(vault: TokenVault, log: Logger): (req: IncomingMessage, res: ServerResponse) => void {
  return function serveVault(req, res) {
    const url = new URL(req.url ?? '/', 'http://gateway');
    const base = publicBase(req.headers, (req.socket as TLSSocket).encrypted === true);
    const requestId = randomUUID();
    const fail = (err: unknown) => {
      const refused = refusalOf(err, url.pathname);
      log.warn({ path: url.pathname, code: refused.code, reason: refused.message, requestId }, 'vault consent refused');
      renderHttpError(res, refused, requestId);
    };
    if (req.method !== 'GET' && req.method !== 'HEAD') return fail(new ConsentRefusedError(`${req.method} is not allowed here (GET only)`));
    if (url.pathname === VAULT_START_PATH) {
      vault.start(url.searchParams.get('state') ?? '', base).then((location) => {
        res.writeHead(302, { ...PAGE_HEADERS, location }).end();
      }, fail);
      return;
    }
    if (url.pathname === VAULT_CALLBACK_PATH) {
      vault.callback(url.searchParams).then((who) => {
        log.info({ consumer: who.consumer, server: who.server }, 'vault consent stored');
        res.writeHead(200, PAGE_HEADERS).end(`agate stored your consent for MCP server ${who.server}. You can close this window and retry in your MCP client.\n`);
      }, fail);
      return;
    }
    fail(new ConsentRefusedError(`no such vault endpoint: ${url.pathname}`));
  };
}
