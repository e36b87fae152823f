// The admin endpoints behind the console's editing pages, called as the console calls them: an MCP server's
// policy and a bundle's members replaced with PUT (bad values refused naming the field, secret values kept), a
// route's matches and canary likewise, and a REST-to-MCP server from an OpenAPI spec (problems at their line and
// column, hostile specs refused without holding the event loop).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestGateway, waitFor, type TestGateway } from '../../helpers/gateway.js';
import { startUpstream, type LoopbackUpstream } from '../../helpers/loopback-upstream.js';
import { startLoopProbe } from '../../helpers/loop-probe.js';
import { petsOpenApi } from '../../helpers/pets-openapi.js';

describe('console editing endpoints', () => {
  let gw: TestGateway;
  let pets: LoopbackUpstream;

  beforeAll(async () => {
    gw = await startTestGateway();
    pets = await startUpstream('pets');
    gw.registry.mcpServers.create({ name: 'files', backend: { kind: 'stdio', command: 'node', args: ['x.js'], env: { API_TOKEN: 'tok-secret-1' } } }, 'cli');
    gw.registry.mcpServers.create({ name: 'both', backend: { kind: 'bundle', members: ['files'] } }, 'cli');
  });
  afterAll(async () => {
    await gw.stop();
    await pets.close();
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

  const refBomb = [
    'openapi: 3.0.3',
    'info: { title: Bomb, version: "1" }',
    'servers: [{ url: "http://127.0.0.1:9" }]',
    'paths:',
    '  /x:',
    '    post:',
    '      operationId: boom',
    "      requestBody: { content: { application/json: { schema: { $ref: '#/components/schemas/S24' } } } }",
    "      responses: { '200': { description: ok } }",
    'components:',
    '  schemas:',
    '    S0: { type: string }',
    ...Array.from({ length: 24 }, (_, i) => `    S${i + 1}: { type: object, properties: { a: { $ref: '#/components/schemas/S${i}' }, b: { $ref: '#/components/schemas/S${i}' } } }`),
  ].join('\n');

  it.each([
    ['a relative server URL and no baseUrl', () => petsOpenApi('/v1'), {}, /^6:10: no absolute servers\[0\]\.url.*baseUrl/],
    ['a Swagger 2.0 document', () => 'swagger: "2.0"\ninfo: { title: Old, version: "1" }\npaths: {}\n', {}, /not an OpenAPI 3\.0 or 3\.1 document/],
    ['a YAML syntax error', () => 'openapi: 3.0.3\nservers: [ {url: x\n', {}, /^\d+:\d+: /],
    ['an unknown type', () => petsOpenApi('http://127.0.0.1:9'), { type: 'swagger' }, /^type: must be "rest" or "openapi"/],
    ['baseUrl on a REST config', () => 'server:\n  name: x\n', { type: 'rest', baseUrl: 'http://127.0.0.1:9' }, /^baseUrl, allowHosts: only for type "openapi"/],
    ['allowHosts that are not a list', () => petsOpenApi('http://127.0.0.1:9'), { allowHosts: '127.0.0.1' }, /^allowHosts: must be an array of strings/],
  ])('an OpenAPI spec with %s is refused with the field or the line and column', async (_what, text, extra, pattern) => {
    const res = await call('POST', '/mcp-servers-from-config', { name: 'pets', type: 'openapi', text: text(), ...extra });
    expect(res.status).toBe(400);
    const body = await res.json();
    expect(body.error.code).toBe('GW_ERR_ADMIN_INVALID');
    expect(body.error.problems[0]).toMatch(pattern);
    expect(gw.registry.mcpServers.get('pets')).toBeUndefined();
  });

  it('a $ref explosion (2^24 inlined schemas) is refused in its worker; the loop stays responsive', async () => {
    const probe = startLoopProbe();
    const res = await call('POST', '/mcp-servers-from-config', { name: 'bomb', type: 'openapi', text: refBomb });
    const stall = probe.stop();
    expect(res.status).toBe(400);
    expect((await res.json()).error.problems.join('\n')).toMatch(/took longer|could not be checked|memory|\$ref/i);
    expect(stall).toBeLessThan(500);
    expect(gw.registry.mcpServers.get('bomb')).toBeUndefined();
  }, 40_000);

  it('the spec with a baseUrl and allowHosts is added as a REST-to-MCP server whose tools call the upstream; warnings come back', async () => {
    const res = await call('POST', '/mcp-servers-from-config', { name: 'pets', type: 'openapi', text: petsOpenApi('/v1', { badRef: true }), baseUrl: `${pets.url}/v1`, allowHosts: ['127.0.0.1'] });
    const body = await res.json();
    expect(res.status, JSON.stringify(body)).toBe(201);
    expect(body.backend.kind).toBe('rest');
    expect(body.warnings).toEqual([expect.stringMatching(/^21:17: \$ref #\/components\/parameters\/Ghost does not resolve/)]);
    const tools = await waitFor(async () => {
      const r = await call('GET', '/mcp-servers/pets/tools');
      return r.status === 200 ? ((await r.json()) as { tools: Array<{ name: string }> }).tools : undefined;
    }, 'pets to be served', 10_000);
    expect(tools.map((t) => t.name).sort()).toEqual(['getPet', 'listPets']);
    const called = await call('POST', '/mcp-servers/pets/tools/listPets/call', { arguments: { limit: 2 } });
    expect(called.status).toBe(200);
    expect((await called.json()).result.isError ?? false).toBe(false);
    expect(pets.requests.at(-1)!.url).toBe('/v1/pets?limit=2');
  });
});
