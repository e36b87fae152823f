import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { once } from 'node:events';
import Provider from 'oidc-provider';

/** A real OpenID Provider (oidc-provider) on 127.0.0.1 issuing client-credentials JWT access tokens for one resource. */
export interface LoopbackOp {
  issuer: string;
  tokenUrl: string;
  jwksUrl: string;
  /** POSTs to the token endpoint so far. */
  tokenRequests: number;
  close(): Promise<void>;
}

/** Starts the OP with one confidential client (client_secret_basic) allowed the client_credentials grant. */
export async function startLoopbackOp(client: { id: string; secret: string; resource: string; ttlSeconds?: number }): Promise<LoopbackOp> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const provider = new Provider(issuer, {
    clients: [{ client_id: client.id, client_secret: client.secret, grant_types: ['client_credentials'], redirect_uris: [], response_types: [], token_endpoint_auth_method: 'client_secret_basic' }],
    features: {
      clientCredentials: { enabled: true },
      resourceIndicators: {
        enabled: true,
        defaultResource: () => client.resource,
        useGrantedResource: () => true,
        getResourceServerInfo: () => ({ scope: 'tools', audience: client.resource, accessTokenFormat: 'jwt', accessTokenTTL: client.ttlSeconds ?? 300 }),
      },
    },
  });
  const op: LoopbackOp = {
    issuer,
    tokenUrl: `${issuer}/token`,
    jwksUrl: `${issuer}/jwks`,
    tokenRequests: 0,
    close: async () => {
      server.closeAllConnections();
      server.close();
      await once(server, 'close');
    },
  };
  const callback = provider.callback();
  server.on('request', (req, res) => {
    if (req.method === 'POST' && req.url === '/token') op.tokenRequests++;
    callback(req, res);
  });
  return op;
}

/** One RFC 8693 token exchange request as the loopback endpoint received it. */
export interface ExchangeRequest {
  authorization: string | undefined;
  form: Record<string, string>;
}

/** A loopback RFC 8693 token endpoint: it exchanges `subject_token` for `x-<audience>-<subject>-<n>` (and grants client credentials as `cc-<audience>-<n>`). */
export interface ExchangeEndpoint {
  tokenUrl: string;
  requests: ExchangeRequest[];
  close(): Promise<void>;
}

/** RFC 6749 §2.3.1: Basic credentials whose id and secret are each application/x-www-form-urlencoded. */
function basicMatches(header: string | undefined, client: { id: string; secret: string }): boolean {
  const m = /^Basic ([A-Za-z0-9+/=]+)$/.exec(header ?? '');
  if (!m) return false;
  const decoded = Buffer.from(m[1]!, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  const formDecode = (v: string) => decodeURIComponent(v.replace(/\+/g, ' '));
  return colon > 0 && formDecode(decoded.slice(0, colon)) === client.id && formDecode(decoded.slice(colon + 1)) === client.secret;
}

async function readForm(req: IncomingMessage): Promise<Record<string, string>> {
  let text = '';
  for await (const chunk of req) text += String(chunk);
  return Object.fromEntries(new URLSearchParams(text));
}

/**
 * Speaks RFC 8693 §2.1/§2.2: a form-encoded POST with grant_type urn:ietf:params:oauth:grant-type:token-exchange,
 * subject_token and subject_token_type; the client authenticated with HTTP Basic. Answers JSON with access_token,
 * issued_token_type, token_type and expires_in; an error as RFC 6749 §5.2 `{error}` with HTTP 400 or 401.
 */
export async function startExchangeEndpoint(client: { id: string; secret: string; expiresIn?: number }): Promise<ExchangeEndpoint> {
  const requests: ExchangeRequest[] = [];
  let issued = 0;
  const server: Server = createServer((req, res) => {
    void readForm(req).then((form) => {
      requests.push({ authorization: req.headers.authorization, form });
      const answer = (status: number, body: object) => res.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store' }).end(JSON.stringify(body));
      if (!basicMatches(req.headers.authorization, client)) return answer(401, { error: 'invalid_client' });
      if (form.grant_type === 'client_credentials') {
        return answer(200, { access_token: `cc-${form.audience ?? 'none'}-${++issued}`, token_type: 'Bearer', expires_in: client.expiresIn ?? 60 });
      }
      if (form.grant_type !== 'urn:ietf:params:oauth:grant-type:token-exchange') return answer(400, { error: 'unsupported_grant_type' });
      if (!form.subject_token || form.subject_token_type !== 'urn:ietf:params:oauth:token-type:access_token') return answer(400, { error: 'invalid_request' });
      if (form.subject_token === 'revoked') return answer(400, { error: 'invalid_grant', error_description: 'subject token revoked' });
      const token = `x-${form.audience ?? form.resource ?? 'none'}-${form.subject_token}-${++issued}`;
      answer(200, { access_token: token, issued_token_type: 'urn:ietf:params:oauth:token-type:access_token', token_type: 'Bearer', expires_in: client.expiresIn ?? 60 });
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return {
    tokenUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}/token`,
    requests,
    close: async () => {
      server.closeAllConnections();
      server.close();
      await once(server, 'close');
    },
  };
}
