import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRemoteJWKSet, jwtVerify } from 'jose';
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { startTestGateway, type TestGateway } from '../../../../helpers/gateway.js';
import { addMcpServer, connectMcp } from '../../../../helpers/mcp.js';
import { startRemoteMcpUpstream, type RemoteMcpUpstream } from '../../../../helpers/remote-mcp-upstream.js';
import { startLoopbackOp, type LoopbackOp } from '../../../../helpers/token-server.js';

// RFC 6749 §4.4 client credentials against a certified OpenID Provider (oidc-provider) issuing JWT access tokens for
// the upstream's resource (RFC 8707). The upstream checks every request's token itself with jose against the OP's
// JWKS: issuer, audience = its resource, the client. Expected values come from the OP and the RFCs, not from agate.

const RESOURCE = 'https://tools.example.com/mcp';
const SECRET = 'cc-secret-0f5e7d1c';

describe('upstreamAuth client_credentials on a remote MCP server', () => {
  let gw: TestGateway;
  let op: LoopbackOp;
  let upstream: RemoteMcpUpstream;
  const revoked = new Set<string>();
  const accepted: string[] = [];

  beforeAll(async () => {
    op = await startLoopbackOp({ id: 'agate-gw', secret: SECRET, resource: RESOURCE });
    const jwks = createRemoteJWKSet(new URL(op.jwksUrl));
    upstream = await startRemoteMcpUpstream(1, 0, {
      authorize: async (authorization) => {
        const token = /^Bearer (.+)$/.exec(authorization ?? '')?.[1];
        if (!token || revoked.has(token)) return false;
        try {
          const { payload } = await jwtVerify(token, jwks, { issuer: op.issuer, audience: RESOURCE });
          if (payload.client_id !== 'agate-gw') return false;
          accepted.push(token);
          return true;
        } catch {
          return false;
        }
      },
    });
    gw = await startTestGateway();
    gw.registry.secrets.put('cc-secret', SECRET, 'cli');
    gw.registry.secrets.put('wrong-secret', 'not-the-secret', 'cli');
    const upstreamAuth = { type: 'client_credentials' as const, tokenUrl: op.tokenUrl, clientId: 'agate-gw', clientSecret: 'cc-secret', resource: RESOURCE, scope: 'tools' };
    for (const transport of ['streamable-http', 'sse'] as const) {
      const url = transport === 'sse' ? upstream.sseUrl : upstream.url;
      await addMcpServer(gw, { name: `cc-${transport}`, backend: { kind: 'remote', url, transport, headers: {}, upstreamAuth } });
    }
    await addMcpServer(gw, { name: 'cc-bad', backend: { kind: 'remote', url: upstream.url, transport: 'streamable-http', headers: {}, upstreamAuth: { ...upstreamAuth, clientSecret: 'wrong-secret' } } });
  });
  afterAll(async () => {
    await gw?.stop();
    await upstream?.close();
    await op?.close();
  });

  it.each(['streamable-http', 'sse'] as const)('every upstream request carries a token the OP issued for the resource (%s)', async (transport) => {
    const before = upstream.requests.length;
    const client = await connectMcp(gw, `cc-${transport}`, { transport });
    try {
      const r = await client.callTool({ name: 'echo', arguments: { message: 'hi' } });
      expect(JSON.stringify(r)).toContain('hi');
      const seen = upstream.requests.slice(before).filter((q) => q.method === 'POST' || q.path === '/sse');
      expect(seen.length).toBeGreaterThan(2);
      for (const q of seen) expect(accepted).toContain(/^Bearer (.+)$/.exec(String(q.headers.authorization))?.[1]);
    } finally {
      await client.close();
    }
  });

  it('100 concurrent calls over 10 new sessions cost one token request (cached, single flight)', async () => {
    await addMcpServer(gw, {
      name: 'cc-burst',
      backend: { kind: 'remote', url: upstream.url, transport: 'streamable-http', headers: {}, upstreamAuth: { type: 'client_credentials', tokenUrl: op.tokenUrl, clientId: 'agate-gw', clientSecret: 'cc-secret', resource: RESOURCE } },
    });
    const before = op.tokenRequests;
    const clients: Client[] = await Promise.all(Array.from({ length: 10 }, () => connectMcp(gw, 'cc-burst')));
    try {
      const results = await Promise.all(clients.flatMap((c, i) => Array.from({ length: 10 }, (_, j) => c.callTool({ name: 'echo', arguments: { message: `m${i}-${j}` } }))));
      expect(results).toHaveLength(100);
      expect(op.tokenRequests - before).toBe(1);
    } finally {
      await Promise.all(clients.map((c) => c.close()));
    }
  });

  it('a 401 from the upstream drops the token: the call is retried once with a fresh one', async () => {
    const client = await connectMcp(gw, 'cc-streamable-http');
    try {
      await client.callTool({ name: 'echo', arguments: { message: 'warm' } });
      const current = accepted.at(-1)!;
      revoked.add(current);
      const before = op.tokenRequests;
      const r = await client.callTool({ name: 'echo', arguments: { message: 'after-revoke' } });
      expect(JSON.stringify(r)).toContain('after-revoke');
      expect(op.tokenRequests - before).toBe(1);
      expect(accepted.at(-1)).not.toBe(current);
    } finally {
      await client.close();
    }
  });

  it('a token endpoint that refuses the client: GW_ERR_UPSTREAM_TOKEN naming its OAuth error, nothing reaches the upstream', async () => {
    const seen = upstream.requests.length;
    const client = await connectMcp(gw, 'cc-bad');
    try {
      // The upstream session cannot be opened without a token: the member is unavailable, and the log says why.
      const r = await client.callTool({ name: 'echo', arguments: { message: 'x' } }).catch((e: unknown) => e);
      expect((r as { data?: { code?: string } }).data?.code).toBe('GW_ERR_MCP_BACKEND_UNAVAILABLE');
    } finally {
      await client.close();
    }
    expect(upstream.requests.length).toBe(seen);
    const why = gw.logs.find((l) => l.server === 'cc-bad' && String(l.err).startsWith('No token for MCP server cc-bad'));
    expect(String(why?.err)).toMatch(/answered HTTP 401: invalid_client/);
  });

  it('neither the client secret nor any token shows in the logs or the admin API', async () => {
    const admin = await fetch(`${gw.adminUrl}/mcp-servers/cc-streamable-http`, { headers: { authorization: `Bearer ${gw.adminToken.token}` } });
    const body = await admin.text();
    expect(admin.status).toBe(200);
    expect(body).toContain('"clientSecret":"cc-secret"');
    const everything = `${body}\n${JSON.stringify(gw.logs)}`;
    expect(everything).not.toContain(SECRET);
    for (const token of new Set(accepted)) expect(everything).not.toContain(token);
  });
});
