// What the CLI says when a call cannot happen: the SSRF guard names its fix (agate.allowHosts, --allow-host), and a
// backend that is down is reported as down with its reason and a non-zero exit, not as a server without tools.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../../helpers/cli.js';
import { startTestGateway, waitFor, type TestGateway } from '../../helpers/gateway.js';
import { startUpstream, type LoopbackUpstream } from '../../helpers/loopback-upstream.js';
import { tempDir } from '../../helpers/temp-dir.js';
import { closedPortOrigin } from '../../servers/shared/fake-upstream.js';

describe('agate mcp: refusals and down backends say why', () => {
  let gw: TestGateway;
  let upstream: LoopbackUpstream;
  const tmp = tempDir();
  const cli = (args: string[]) => runCli(args, gw.dbPath, { AGATE_KEY: '' });
  const served = (name: string) => waitFor(() => gw.snapshots.current()?.version === gw.registry.version() && gw.snapshots.current()?.mcp.servers.has(name), `${name} to be served`);

  beforeAll(async () => {
    gw = await startTestGateway();
    upstream = await startUpstream('api');
  });
  afterAll(async () => {
    await gw?.stop();
    await upstream?.close();
    tmp.cleanup();
  });

  it('a call to a private address names agate.allowHosts and --allow-host; with --allow-host it goes through', async () => {
    const file = join(tmp.dir, 'local-api.yaml');
    const config = { server: { name: 'local-api' }, tools: [{ name: 'ping', description: 'ping', args: [], requestTemplate: { url: `${upstream.url}/ping`, method: 'GET' } }] };
    writeFileSync(file, stringify(config));
    expect((await cli(['mcp', 'add', 'local', file])).code).toBe(0);
    await served('local');
    const refused = await cli(['mcp', 'call', 'local', 'ping']);
    expect(refused.code).toBe(5);
    expect(refused.stdout + refused.stderr).toContain('agate.allowHosts');
    expect(refused.stdout + refused.stderr).toContain('--allow-host 127.0.0.1');
    expect(upstream.requests).toHaveLength(0);
    const add = await cli(['mcp', 'add', 'local', file, '--allow-host', '127.0.0.1', '--replace']);
    expect(add.code, add.stderr).toBe(0);
    await served('local');
    await waitFor(async () => (await cli(['mcp', 'call', 'local', 'ping'])).code === 0, 'the allowed call to succeed', 10_000);
    expect(upstream.requests.length).toBeGreaterThan(0);
  });

  it('--allow-host is refused for a remote server', async () => {
    const r = await cli(['mcp', 'add', 'remote-x', 'http://127.0.0.1:9/mcp', '--allow-host', '127.0.0.1']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('--allow-host');
  });

  it.each([
    ['tools', []],
    ['call', ['anything']],
  ])('mcp %s on a down remote backend exits non-zero with the reason', async (command, extra) => {
    const dead = await closedPortOrigin();
    expect((await cli(['mcp', 'add', `down-${command}`, `${dead}/mcp`])).code).toBe(0);
    await served(`down-${command}`);
    // The reason comes from the gateway's health report (its heartbeat row): poll until it is there.
    let r = await cli(['mcp', command, `down-${command}`, ...extra]);
    const deadline = Date.now() + 30_000;
    while (!r.stderr.includes('ECONNREFUSED') && Date.now() < deadline) r = await cli(['mcp', command, `down-${command}`, ...extra]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/unavailable|down/);
    expect(r.stderr).toContain('ECONNREFUSED');
    expect(r.stdout).not.toContain('(none)');
  });
});
