import { execFile } from 'node:child_process';
import { createRequire } from 'node:module';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeJwt } from 'jose';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { INSPECTOR_VERSION } from '../../../cli/inspector-command.js';
import { startTestGateway, waitFor, type TestGateway } from '../../helpers/gateway.js';
import { addMcpServer } from '../../helpers/mcp.js';
import { followAuthorization, startOidcProvider, type TestOidcProvider } from '../../helpers/oidc-provider.js';
import { startRemoteMcpUpstream, type RemoteMcpUpstream } from '../../helpers/remote-mcp-upstream.js';
import { freePort } from '../../helpers/free-port.js';
import { tempDir } from '../../helpers/temp-dir.js';

const run = promisify(execFile);

/**
 * The clients people actually point at a protected MCP server, unmodified: mcp-remote (Claude Desktop's bridge to
 * remote servers) runs the whole OAuth flow itself, and the MCP Inspector's CLI (the version agate's banner and docs
 * print) calls with a bearer token it is given.
 */
describe('real MCP clients against an OAuth-protected server', () => {
  let gw: TestGateway;
  let idp: TestOidcProvider;
  let upstream: RemoteMcpUpstream;
  let home: ReturnType<typeof tempDir>;
  const resource = () => `${gw.url}/mcp/notes`;

  beforeAll(async () => {
    idp = await startOidcProvider();
    idp.addClient('inspector-user', 'mcp:tools');
    upstream = await startRemoteMcpUpstream();
    home = tempDir('agate-real-clients-');
    gw = await startTestGateway();
    const backend = { kind: 'remote' as const, url: upstream.url, transport: 'streamable-http' as const, headers: {} };
    await addMcpServer(gw, { name: 'notes', backend, auth: { type: 'oauth', issuer: idp.issuer, scopes: ['mcp:tools'] } });
    await waitFor(() => gw.snapshots.current()?.mcp.servers.get('notes')?.oauth, 'the server to be served');
  });
  afterAll(async () => {
    await gw?.stop();
    await upstream?.close();
    await idp?.close();
    home?.cleanup();
  });

  it('mcp-remote discovers, registers, authorizes with PKCE through a browser, and calls a tool', async () => {
    const callbackPort = await freePort();
    const bin = createRequire(import.meta.url).resolve('mcp-remote/dist/proxy.js');
    const transport = new StdioClientTransport({
      command: process.execPath,
      args: [bin, resource(), String(callbackPort), '--host', '127.0.0.1'],
      // Its own token store, and no real browser: the test plays the browser from the URL it prints.
      env: { ...process.env, MCP_REMOTE_CONFIG_DIR: home.dir, BROWSER: 'true' } as Record<string, string>,
      stderr: 'pipe',
    });
    let log = '';
    transport.stderr!.on('data', (d: Buffer) => (log += d.toString()));
    idp.nextAccount = 'carol';
    const client = new Client({ name: 'claude-desktop-stand-in', version: '1.0.0' });
    const connected = client.connect(transport);
    await waitFor(() => /https?:\/\/\S+\/auth\?\S+/.exec(log), 'mcp-remote to print the authorization URL', 60_000);
    const authorization = new URL(/https?:\/\/\S+\/auth\?\S+/.exec(log)![0]);
    // What mcp-remote learnt from agate's 401 and protected resource metadata (RFC 9728, RFC 8707, PKCE S256).
    expect(authorization.origin).toBe(idp.issuer);
    expect(authorization.searchParams.get('resource')).toBe(resource());
    expect(authorization.searchParams.get('code_challenge_method')).toBe('S256');
    const redirect = authorization.searchParams.get('redirect_uri')!;
    const callback = await followAuthorization(authorization, redirect);
    expect((await fetch(callback)).status).toBe(200); // mcp-remote's own loopback callback takes the code
    await connected;
    const tools = (await client.listTools()).tools.map((t) => t.name);
    expect(tools).toContain('echo');
    const result = await client.callTool({ name: 'echo', arguments: { message: 'via mcp-remote' } });
    expect(JSON.stringify(result.content)).toContain('via mcp-remote');
    await client.close();
    // The token it got is for this resource and this user, and it never reached the upstream.
    const bearer = upstream.requests.map((r) => r.headers.authorization).find(Boolean);
    expect(bearer).toBeUndefined();
    const issued = /"access_token":\s*"([^"]+)"/.exec(await readTokens(home.dir))?.[1];
    expect(decodeJwt(issued!)).toMatchObject({ iss: idp.issuer, aud: resource(), sub: 'carol' });
  }, 120_000);

  it(`the Inspector CLI (${INSPECTOR_VERSION}) lists tools with a bearer token, and is refused without one`, async () => {
    const token = await idp.clientToken('inspector-user', resource(), 'mcp:tools');
    const inspector = (...extra: string[]) =>
      run('npx', ['-y', '-p', 'node@22', '-p', `@modelcontextprotocol/inspector@${INSPECTOR_VERSION}`, '--', 'mcp-inspector', '--cli', resource(), '--transport', 'http', '--method', 'tools/list', ...extra], { timeout: 240_000, env: { ...process.env, HOME: home.dir } });
    const { stdout } = await inspector('--header', `Authorization: Bearer ${token}`);
    expect((JSON.parse(stdout) as { tools: Array<{ name: string }> }).tools.map((t) => t.name)).toContain('echo');
    // Without it the Inspector cannot connect (it exits non-zero with its own message) and lists nothing.
    const refused = await inspector().then(
      () => 'exit 0',
      (err: { stdout: string; stderr: string }) => `${err.stdout}\n${err.stderr}`,
    );
    expect(refused).toContain('Failed to connect to MCP server');
    expect(refused).not.toContain('"tools"');
  }, 300_000);
});

/** mcp-remote keeps `<hash>_tokens.json` under its config directory (a versioned subfolder). */
async function readTokens(dir: string): Promise<string> {
  const { stdout } = await run('sh', ['-c', `cat $(find ${JSON.stringify(dir)} -name '*_tokens.json')`]);
  return stdout;
}
