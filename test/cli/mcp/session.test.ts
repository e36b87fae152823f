import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { packageRoot } from '../../../registry/index.js';
import { runCli } from '../../helpers/cli.js';
import { startTestGateway, waitFor, type TestGateway } from '../../helpers/gateway.js';
import { closedPortOrigin } from '../../servers/shared/fake-upstream.js';

const DATE = /^(Mon|Tues|Wednes|Thurs|Fri|Satur|Sun)day, \d{4}-\d\d-\d\d \d\d:\d\d:\d\d [+-]\d\d:\d\d\n$/;

// A real MCP client session (the CLI's SDK client over Streamable HTTP) through a running gateway, found in the
// registry's instance rows as a user's `agate mcp call` finds it.
describe('agate mcp tools / call through the gateway', () => {
  let gw: TestGateway;
  let key: string;
  const cli = (args: string[], env: NodeJS.ProcessEnv = {}) => runCli(args, gw.dbPath, { AGATE_KEY: '', ...env });

  beforeAll(async () => {
    gw = await startTestGateway();
    for (const args of [
      ['time', join(packageRoot(), 'servers', 'time', 'mcp-time.yaml')],
      ['quark', '--server', 'quark-search'],
      ['private', join(packageRoot(), 'servers', 'time', 'mcp-time.yaml'), '--consumer', 'alice'],
    ]) {
      const r = await cli(['mcp', 'add', ...args]);
      expect(r.code, r.stderr).toBe(0);
    }
    const consumer = await cli(['consumer', 'add', 'alice', '--json']);
    key = JSON.parse(consumer.stdout).key;
    await waitFor(() => gw.snapshots.current()?.version === gw.registry.version() && gw.snapshots.current()?.mcp.servers.has('private'), 'the servers to be served');
  });
  afterAll(async () => {
    await gw?.stop();
  });

  it('mcp add prints the URLs of the running gateway', async () => {
    const r = await cli(['mcp', 'add', 'time2', join(packageRoot(), 'servers', 'time', 'mcp-time.yaml'), '--json']);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout).urls).toEqual({ streamableHttp: `${gw.url}/mcp/time2`, sse: `${gw.url}/mcp/time2/sse`, messages: `${gw.url}/mcp/time2/messages` });
  });

  it('tools lists the tools (exit 0; --json gives the full definitions)', async () => {
    const r = await cli(['mcp', 'tools', 'time']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^get-current-time\s+timeZone\s+Returns the current date/m);
    const json = JSON.parse((await cli(['mcp', 'tools', 'time', '--json'])).stdout);
    expect(json).toEqual([expect.objectContaining({ name: 'get-current-time', inputSchema: expect.objectContaining({ type: 'object' }) })]);
  });

  it('call prints the tool output and exits 0', async () => {
    const r = await cli(['mcp', 'call', 'time', 'get-current-time', '--args', '{"timeZone":"Europe/London"}']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(DATE);
    expect(r.stdout).toMatch(/ \+0[01]:00\n$/);
    const json = JSON.parse((await cli(['mcp', 'call', 'time', 'get-current-time', '--json'])).stdout);
    expect(json.content[0].text).toMatch(/\+08:00$/);
  });

  it('exits 5 when the tool reports isError, printing what to fix', async () => {
    const r = await cli(['mcp', 'call', 'quark', 'web_search', '--args', '{"query":"gold"}']);
    expect(r.code).toBe(5);
    expect(r.stdout).toContain('quark-search is not configured: set the "apiKey" secret');
  });

  it('exits 1 when the gateway cannot be reached', async () => {
    const r = await cli(['mcp', 'tools', 'time', '--url', await closedPortOrigin()]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^error: cannot reach the gateway at http:\/\/127\.0\.0\.1:\d+: ECONNREFUSED/);
  });

  it.each([
    [['mcp', 'call', 'nope', 'x'], 1, 'no MCP server "nope"'],
    [['mcp', 'call', 'time', 'no-such-tool'], 1, 'no-such-tool'],
    [['mcp', 'call', 'time', 'get-current-time', '--args', '{not json'], 2, '--args: not valid JSON'],
    [['mcp', 'call', 'time', 'get-current-time', '--args', '[1]'], 2, '--args: must be a JSON object'],
  ])('%j exits %i', async (args, code, message) => {
    const r = await cli(args);
    expect(r.code).toBe(code);
    expect(r.stderr).toContain(message);
  });

  it('a server limited to consumers needs a key: --key or AGATE_KEY', async () => {
    const without = await cli(['mcp', 'tools', 'private']);
    expect(without.code).toBe(1);
    expect(without.stderr).toContain('needs a consumer key: pass --key or set AGATE_KEY');
    expect((await cli(['mcp', 'tools', 'private', '--key', key])).code).toBe(0);
    const env = await cli(['mcp', 'call', 'private', 'get-current-time'], { AGATE_KEY: key });
    expect(env.code, env.stderr).toBe(0);
    expect(env.stdout).toMatch(DATE);
  });
});
