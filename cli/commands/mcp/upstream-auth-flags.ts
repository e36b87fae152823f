import { UsageError } from '../../context.js';
import type { McpAddFlags } from './flags.js';
import { secretName, type PendingSecret } from './secrets.js';

/** The credential broker's flags (remote servers only), for `mcp add`'s kind check. */
export const UPSTREAM_AUTH_FLAGS: ReadonlyArray<readonly [keyof McpAddFlags, string]> = [
  ['upstreamAuth', '--upstream-auth'],
  ['tokenUrl', '--token-url'],
  ['clientId', '--client-id'],
  ['clientSecret', '--client-secret'],
  ['clientSecretSecret', '--client-secret-secret'],
  ['tokenScope', '--token-scope'],
  ['tokenAudience', '--token-audience'],
  ['tokenResource', '--token-resource'],
  ['tokenIssuer', '--token-issuer'],
  ['authorizationUrl', '--authorization-url'],
  ['passthroughAuth', '--passthrough-auth'],
];

type UpstreamAuthType = 'client_credentials' | 'token_exchange' | 'authorization_code';
const TYPES: Record<string, UpstreamAuthType> = { 'client-credentials': 'client_credentials', 'token-exchange': 'token_exchange', 'authorization-code': 'authorization_code' };
const TYPE_NAMES = 'client-credentials, token-exchange or authorization-code';

/**
 * The remote spec's `upstreamAuth` (or `passthroughAuthHeader`) from the flags, and the client secret to store
 * encrypted when given by value. The registry checks the URL and the rest (mcp-server.schema.json).
 */
export function upstreamAuthFromFlags(server: string, f: McpAddFlags): { fields: Record<string, unknown>; secrets: PendingSecret[] } {
  const detail = UPSTREAM_AUTH_FLAGS.filter(([key]) => key !== 'upstreamAuth' && key !== 'passthroughAuth' && f[key] !== undefined).map(([, flag]) => flag);
  if (f.upstreamAuth === undefined) {
    if (detail.length) throw new UsageError(`${detail[0]} needs --upstream-auth ${TYPE_NAMES}`);
    return { fields: f.passthroughAuth ? { passthroughAuthHeader: true } : {}, secrets: [] };
  }
  const type = TYPES[f.upstreamAuth];
  if (!type) throw new UsageError(`--upstream-auth: must be ${TYPE_NAMES} (got "${f.upstreamAuth}")`);
  if (f.passthroughAuth) throw new UsageError('--passthrough-auth and --upstream-auth both set the server\'s Authorization: choose one');
  checkEndpointFlags(type, f);
  if (f.clientSecret !== undefined && f.clientSecretSecret !== undefined) throw new UsageError('--upstream-auth takes one of --client-secret and --client-secret-secret');
  const secrets: PendingSecret[] = [];
  let clientSecret = f.clientSecretSecret;
  if (f.clientSecret !== undefined) {
    clientSecret = secretName(server, 'auth', 'client-secret');
    secrets.push({ name: clientSecret, value: f.clientSecret, label: 'upstream client secret' });
  }
  const upstreamAuth = {
    type,
    ...(f.tokenIssuer !== undefined && { issuer: f.tokenIssuer }),
    ...(f.authorizationUrl !== undefined && { authorizationUrl: f.authorizationUrl }),
    ...(f.tokenUrl !== undefined && { tokenUrl: f.tokenUrl }),
    clientId: f.clientId,
    ...(clientSecret !== undefined && { clientSecret }),
    ...(f.tokenScope !== undefined && { scope: f.tokenScope }),
    ...(f.tokenAudience !== undefined && { audience: f.tokenAudience }),
    ...(f.tokenResource !== undefined && { resource: f.tokenResource }),
  };
  return { fields: { upstreamAuth }, secrets };
}

/** Which endpoint flags each type needs: the token URL (and a secret) for the brokers; an issuer or both URLs for the vault. */
function checkEndpointFlags(type: UpstreamAuthType, f: McpAddFlags): void {
  if (type !== 'authorization_code') {
    if (f.tokenIssuer !== undefined || f.authorizationUrl !== undefined) throw new UsageError(`${f.tokenIssuer !== undefined ? '--token-issuer' : '--authorization-url'} applies to --upstream-auth authorization-code only`);
    if (!f.tokenUrl || !f.clientId) throw new UsageError('--upstream-auth needs --token-url and --client-id');
    if (f.clientSecret === undefined && f.clientSecretSecret === undefined) throw new UsageError('--upstream-auth needs one of --client-secret and --client-secret-secret');
    return;
  }
  if (f.tokenAudience !== undefined) throw new UsageError('--token-audience does not apply to --upstream-auth authorization-code');
  if (!f.clientId) throw new UsageError('--upstream-auth needs --client-id');
  if (!f.tokenIssuer && !(f.authorizationUrl && f.tokenUrl)) throw new UsageError('--upstream-auth authorization-code needs --token-issuer, or --authorization-url and --token-url');
}
