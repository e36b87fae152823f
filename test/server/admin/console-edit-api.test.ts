// The admin endpoints behind the console's editing pages, called as the console calls them: an MCP server's
// policy and a bundle's members replaced with PUT (bad values refused naming the field, fields the console does
// not know kept).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestGateway, type TestGateway } from '../../helpers/gateway.js';

describe('console editing endpoints', () => {
  let gw: TestGateway;

  beforeAll(async () => {
    gw = await startTestGateway();
    gw.registry.mcpServers.create({ name: 'files', backend: { kind: 'stdio', command: 'node', args: ['x.js'], env: { API_TOKEN: 'tok-secret-1' } } }, 'cli');
    gw.registry.mcpServers.create({ name: 'both', backend: { kind: 'bundle', members: ['files'] } }, 'cli');
  });
  afterAll(async () => {
    await gw.stop();
  });

  const call = (method: string, path: string, body?: unknown) =>
    fetch(gw.adminUrl + path, {
      method,
      headers: { authorization: `Bearer ${gw.adminToken.token}`, 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });

  it.each([
    ['a bad consumer name', { access: { consumers: ['alice', 'Bob!'] } }, 'mcpServer.access.consumers[1]'],
    ['a limit of zero calls', { rateLimit: { perConsumer: { requests: 0, windowSeconds: 60 } } }, 'mcpServer.rateLimit.perConsumer.requests'],
    ['a limit without its window', { rateLimit: { perTool: { requests: 5 } } }, 'mcpServer.rateLimit.perTool.windowSeconds'],
    ['a per-tool list that is not a list', { access: { tools: { forecast: 'alice' } } }, 'mcpServer.access.tools.forecast'],
  ])('PUT of a server with %s is refused naming the field, nothing stored', async (_what, policy, path) => {
    const read = await (await call('GET', '/mcp-servers/files')).json();
    const res = await call('PUT', '/mcp-servers/files', { ...read, ...policy });
    expect(res.status).toBe(400);
    const body = await res.json();
    expect(body.error.code).toBe('GW_ERR_ADMIN_INVALID');
    expect(body.error.problems.join('\n')).toContain(path);
    expect(gw.registry.mcpServers.get('files')?.access).toBeUndefined();
  });

  it('the record as read (secret env masked) with a new policy is stored; the secret value is kept', async () => {
    const read = await (await call('GET', '/mcp-servers/files')).json();
    expect(JSON.stringify(read)).not.toContain('tok-secret-1');
    const policy = { access: { consumers: ['alice'], tools: { forecast: ['alice'] } }, rateLimit: { perConsumer: { requests: 2, windowSeconds: 60 } } };
    const res = await call('PUT', '/mcp-servers/files', { ...read, ...policy });
    expect(res.status).toBe(200);
    expect(gw.registry.mcpServers.get('files')).toMatchObject(policy);
    const stored = gw.registry.mcpServers.get('files')!;
    expect(stored.backend.kind === 'stdio' && stored.backend.env.API_TOKEN).not.toBe('********');
    expect(JSON.stringify(await (await call('GET', '/mcp-servers/files')).json())).not.toContain('tok-secret-1');
  });

  it("a bundle's members: a malformed name is refused naming the member; a member added later is accepted, as by the CLI", async () => {
    const read = await (await call('GET', '/mcp-servers/both')).json();
    const res = await call('PUT', '/mcp-servers/both', { ...read, backend: { ...read.backend, members: ['files', 'Ghost!'] } });
    const body = await res.json();
    expect(res.status, JSON.stringify(body)).toBe(400);
    expect(body.error.problems.join('\n')).toContain('mcpServer.backend.members[1]');
    // `agate mcp add all --bundle a,b`: members may be added later, served as unavailable meanwhile (docs/mcp.md).
    const later = await call('PUT', '/mcp-servers/both', { ...read, backend: { ...read.backend, members: ['files', 'later'] } });
    expect(later.status).toBe(200);
    expect(gw.registry.mcpServers.get('both')?.backend).toMatchObject({ members: ['files', 'later'] });
  });

  it.each([
    ['a canary weight over 100', { canary: { upstream: 'http://127.0.0.1:9/', weight: 150 } }, 'route.canary.weight'],
    ['a header match with no name', { headers: [{ exact: 'beta' }] }, 'route.headers[0]'],
    ['an unknown method', { methods: ['FETCH'] }, 'route.methods[0]'],
  ])('PUT of a route with %s is refused naming the field', async (_what, edit, path) => {
    gw.registry.routes.create({ name: `r-${path.length}-${Object.keys(edit)[0]}`, path: '/x', upstream: 'http://127.0.0.1:9/' }, 'cli');
    const name = `r-${path.length}-${Object.keys(edit)[0]}`;
    const read = await (await call('GET', `/routes/${name}`)).json();
    const res = await call('PUT', `/routes/${name}`, { ...read, ...edit });
    expect(res.status).toBe(400);
    expect((await res.json()).error.problems.join('\n')).toContain(path);
  });

  it('a route read back (secret request header masked) and saved with a canary keeps the secret', async () => {
    gw.registry.routes.create({ name: 'secretive', path: '/s', upstream: 'http://127.0.0.1:9/', requestHeaders: { set: { authorization: 'Bearer upstream-secret-7' } } }, 'cli');
    const read = await (await call('GET', '/routes/secretive')).json();
    expect(JSON.stringify(read)).not.toContain('upstream-secret-7');
    const res = await call('PUT', '/routes/secretive', { ...read, canary: { upstream: 'http://127.0.0.1:10/', weight: 20 } });
    expect(res.status).toBe(200);
    expect(JSON.stringify(await res.json())).not.toContain('upstream-secret-7');
    expect(gw.registry.routes.get('secretive')?.requestHeaders?.set?.authorization).not.toBe('********');
    expect(gw.registry.routes.get('secretive')?.canary).toMatchObject({ weight: 20 });
  });
});
