/**
 * What checking an OAuth access token adds to a tools/call (`npm run bench -- oauth`): the gateway's CPU per call
 * when each request carries an RS256 JWT for an `auth: oauth` server (JWKS cached after the first request: signature,
 * `iss`, `aud`, `exp`, scopes), against the same call with an agate API key (one SHA-256 and a map lookup) and with
 * no credential at all, in the same run on the same hosted echo server. WIDTH sessions per path, OAUTH_ROUNDS rounds
 * of OAUTH_CALLS calls, the paths interleaved round by round so drift hits all three alike.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { exportJWK, generateKeyPair, SignJWT } from 'jose';
import { Agent } from 'undici';
import { Registry } from '../registry/index.js';
import { cpuPerCall } from './compare.js';
import { RawMcpSession } from './mcp-raw-client.js';
import { startChild, type Child } from './mcp.js';
import { percentile } from './stats.js';

const env = (name: string, fallback: number) => Number(process.env[name] ?? fallback);
const WIDTH = 16;

async function cpuUs(child: Child): Promise<number> {
  const { user, system } = await child.ask<NodeJS.CpuUsage>('cpu');
  return user + system;
}

/** A loopback issuer: its JWKS at /jwks, and a signer for its RS256 access tokens. */
async function startIssuer(): Promise<{ issuer: string; sign: (aud: string) => Promise<string>; close: () => void }> {
  const { privateKey, publicKey } = await generateKeyPair('RS256');
  const jwks = JSON.stringify({ keys: [{ ...(await exportJWK(publicKey)), kid: 'bench', alg: 'RS256', use: 'sig' }] });
  const server = createServer((_req, res) => res.writeHead(200, { 'content-type': 'application/json' }).end(jwks));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const sign = (aud: string) =>
    new SignJWT({ scope: 'mcp:tools' }).setProtectedHeader({ alg: 'RS256', kid: 'bench', typ: 'at+jwt' }).setIssuer(issuer).setAudience(aud).setSubject('bench-user').setIssuedAt().setExpirationTime('2h').sign(privateKey);
  return { issuer, sign, close: () => server.close() };
}

/** Writes the three servers (open, API key, OAuth) and the key's consumer; returns the key. */
function seed(dbPath: string, issuer: string): string {
  const reg = Registry.open(dbPath);
  try {
    const backend = { kind: 'hosted' as const, server: 'bench-echo', settings: {}, secretSettings: {} };
    reg.consumers.store.create({ name: 'bench', groups: [] }, 'cli');
    reg.mcpServers.create({ name: 'echo-open', backend, enabled: true }, 'cli');
    reg.mcpServers.create({ name: 'echo-key', backend, access: { consumers: ['bench'] }, enabled: true }, 'cli');
    reg.mcpServers.create({ name: 'echo-oauth', backend, auth: { type: 'oauth', issuer, jwksUri: `${issuer}/jwks`, scopes: ['mcp:tools'] }, enabled: true }, 'cli');
    return reg.consumers.issueKey('bench', 'cli').key;
  } finally {
    reg.close();
  }
}

export async function run(): Promise<unknown> {
  const rounds = env('OAUTH_ROUNDS', 3);
  const calls = env('OAUTH_CALLS', 10_000);
  const tmp = mkdtempSync(join(tmpdir(), 'agate-bench-oauth-'));
  const idp = await startIssuer();
  const dbPath = join(tmp, 'agate.db');
  const key = seed(dbPath, idp.issuer);
  const gw = await startChild('./mcp-gateway-child.js', [dbPath]);
  const agent = new Agent({ connections: 64 });
  const token = await idp.sign(`${gw.url}/mcp/echo-oauth`);
  const paths = [
    ['no credential', 'echo-open', {}],
    ['API key (x-api-key)', 'echo-key', { 'x-api-key': key }],
    ['OAuth JWT (RS256, cached JWKS)', 'echo-oauth', { authorization: `Bearer ${token}` }],
  ] as const;
  const figures: Record<string, unknown> = { node: process.version, date: new Date().toISOString(), calls, rounds, width: WIDTH };
  try {
    const runs = await Promise.all(
      paths.map(async ([label, name, headers]) => {
        const sessions = await Promise.all(
          Array.from({ length: WIDTH }, async () => {
            const s = new RawMcpSession(`${gw.url}/mcp/${name}`, agent, headers);
            await s.initialize();
            return s;
          }),
        );
        let n = 0;
        return { label, sessions, samples: [] as number[], call: async () => void (await sessions[n++ % WIDTH]!.echo(`c${n}`)) };
      }),
    );
    for (let r = 0; r < rounds; r++) for (const p of runs) p.samples.push(await cpuPerCall(p.call, { calls, width: WIDTH }, () => cpuUs(gw)));
    for (const p of runs) {
      await Promise.all(p.sessions.map((s) => s.close()));
      figures[p.label] = { gatewayUsPerCall: Math.round(percentile(p.samples, 50)), rounds: p.samples.map(Math.round).join(' / ') };
    }
    const [, keyRun, oauthRun] = runs.map((p) => percentile(p.samples, 50));
    figures.oauthMinusKeyUs = Math.round(oauthRun! - keyRun!);
    figures.oauthToKey = Math.round((oauthRun! / keyRun!) * 100) / 100;
    console.log(`\nGateway CPU per tools/call by credential, ${WIDTH} sessions each, ${rounds} rounds of ${calls} calls (median; rounds)`);
    console.table(Object.fromEntries(Object.entries(figures).filter(([, v]) => typeof v === 'object')));
    console.log(`OAuth JWT minus API key: ${figures.oauthMinusKeyUs} µs per call; ratio ${figures.oauthToKey}`);
    return figures;
  } finally {
    await agent.close();
    await gw.stop();
    idp.close();
    rmSync(tmp, { recursive: true, force: true });
  }
}
