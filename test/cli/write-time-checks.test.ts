import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RegistryError } from '../../registry/index.js';
import { runCli } from '../helpers/cli.js';
import { startTestGateway, waitFor, type TestGateway } from '../helpers/gateway.js';
import { startUpstream, type LoopbackUpstream } from '../helpers/loopback-upstream.js';
import { tempDir } from '../helpers/temp-dir.js';

/**
 * Issue 13 §4: a write the gateway would not serve is refused when it is written (CLI, apply, admin API),
 * instead of being stored and then freezing every later reload. The gateway's own compile is the reference:
 * each case here is one the snapshot compiler rejects.
 */
describe('write-time checks are the snapshot compiler checks', () => {
  const tmp = tempDir();
  const missingJwks = join(tmp.dir, 'no-such-jwks.json');
  let gw: TestGateway;
  let upstream: LoopbackUpstream;

  beforeAll(async () => {
    gw = await startTestGateway();
    upstream = await startUpstream('after');
  });
  afterAll(async () => {
    await gw.stop();
    await upstream.close();
    tmp.cleanup();
  });

  const admin = (method: string, path: string, body?: unknown) =>
    fetch(`${gw.adminUrl}${path}`, {
      method,
      headers: { authorization: `Bearer ${gw.adminToken.token}`, 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });

  it('agate consumer add with a JWKS file that does not exist is refused, and later writes are served', async () => {
    const before = gw.registry.version();
    const r = await runCli(['consumer', 'add', 'jwks-cli', '--jwt-issuer', 'https://issuer.example', '--jwks-file', missingJwks], gw.dbPath);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('consumer "jwks-cli": consumer.jwt:');
    expect(r.stderr).toContain('no-such-jwks.json');
    expect(r.stdout).not.toContain('added');
    expect(gw.registry.version()).toBe(before);
    expect(gw.registry.consumers.store.get('jwks-cli')).toBeUndefined();

    const added = await runCli(['route', 'add', 'after-cli', '--path', '/after-cli', '--upstream', upstream.url], gw.dbPath);
    expect(added.code).toBe(0);
    await waitFor(async () => (await fetch(`${gw.url}/after-cli/x`)).status === 200, 'the later route to be served');
    expect(gw.snapshots.status.lastReloadError).toBeNull();
  });

  it('POST /consumers with a JWKS file that does not exist is refused with 400 naming the field', async () => {
    const res = await admin('POST', '/consumers', { name: 'jwks-admin', jwt: { issuer: 'https://issuer.example', jwksFile: missingJwks } });
    expect(res.status).toBe(400);
    const body = (await res.json()) as { error: { problems: string[] } };
    expect(body.error.problems.join('\n')).toContain('consumer "jwks-admin": consumer.jwt:');
    expect((await admin('GET', '/consumers/jwks-admin')).status).toBe(404);
  });

  it('agate apply with such a consumer writes nothing', async () => {
    const file = join(tmp.dir, 'bad-consumer.yaml');
    writeFileSync(
      file,
      [
        'upstreams:',
        `  - { name: apply-up, targets: [{ url: "${upstream.url}" }] }`,
        'consumers:',
        `  - { name: jwks-apply, jwt: { issuer: "https://issuer.example", jwksFile: "${missingJwks}" } }`,
      ].join('\n'),
    );
    const before = gw.registry.version();
    const r = await runCli(['apply', '-f', file], gw.dbPath);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('consumer "jwks-apply": consumer.jwt:');
    expect(gw.registry.version()).toBe(before);
    expect(gw.registry.upstreams.get('apply-up')).toBeUndefined();
  });

  it.each([
    { what: 'a hosted server type that does not exist', spec: { name: 'nohost', backend: { kind: 'hosted', server: 'no-such-server' } }, detail: 'backend.server: no hosted server named "no-such-server"' },
    {
      what: 'a bundle inside a bundle',
      spec: { name: 'outer', backend: { kind: 'bundle', members: ['inner'] } },
      detail: 'backend.members: a bundle cannot contain a bundle (inner)',
    },
    {
      what: 'a secret setting naming a secret that does not exist',
      spec: { name: 'nosecret', backend: { kind: 'remote', url: 'http://127.0.0.1:9/mcp', secretHeaders: { authorization: 'no-such-secret' } } },
      detail: 'backend.secretHeaders.authorization: no secret named "no-such-secret"',
    },
  ])('an MCP server with $what is refused by the registry the gateway (and its admin API) writes through', ({ spec, detail }) => {
    gw.registry.mcpServers.create({ name: 'leaf', backend: { kind: 'remote', url: 'http://127.0.0.1:9/mcp' } }, 'admin-api');
    gw.registry.mcpServers.create({ name: 'inner', backend: { kind: 'bundle', members: ['leaf'] } }, 'admin-api');
    try {
      const before = gw.registry.version();
      let thrown: unknown;
      try {
        gw.registry.mcpServers.create(spec, 'admin-api');
      } catch (err) {
        thrown = err;
      }
      expect(thrown).toBeInstanceOf(RegistryError);
      expect((thrown as RegistryError).kind).toBe('validation');
      expect((thrown as RegistryError).problems.join('\n')).toContain(`mcpServer "${spec.name}": ${detail}`);
      expect(gw.registry.mcpServers.get(spec.name)).toBeUndefined();
      expect(gw.registry.version()).toBe(before);
    } finally {
      gw.registry.mcpServers.remove('inner', 'admin-api');
      gw.registry.mcpServers.remove('leaf', 'admin-api');
    }
  });

  it('agate mcp add is refused by the same write guard, with the entity and field named, and stores nothing', async () => {
    gw.registry.mcpServers.create({ name: 'leaf', backend: { kind: 'remote', url: 'http://127.0.0.1:9/mcp' } }, 'admin-api');
    gw.registry.mcpServers.create({ name: 'inner', backend: { kind: 'bundle', members: ['leaf'] } }, 'admin-api');
    try {
      const before = gw.registry.version();
      const r = await runCli(['mcp', 'add', 'outer', '--bundle', 'inner'], gw.dbPath);
      expect(r.code).toBe(2);
      expect(r.stderr).toContain('mcpServer "outer": backend.members: a bundle cannot contain a bundle (inner)');
      expect(r.stdout).not.toContain('added');
      expect(gw.registry.mcpServers.get('outer')).toBeUndefined();
      expect(gw.registry.version()).toBe(before);
    } finally {
      gw.registry.mcpServers.remove('inner', 'admin-api');
      gw.registry.mcpServers.remove('leaf', 'admin-api');
    }
  });

  it('a write that would hold back another entity is refused: turning a bundle member into a bundle', () => {
    gw.registry.mcpServers.create({ name: 'leaf', backend: { kind: 'remote', url: 'http://127.0.0.1:9/mcp' } }, 'admin-api');
    gw.registry.mcpServers.create({ name: 'member', backend: { kind: 'remote', url: 'http://127.0.0.1:9/mcp' } }, 'admin-api');
    gw.registry.mcpServers.create({ name: 'bundle', backend: { kind: 'bundle', members: ['member'] } }, 'admin-api');
    try {
      expect(() => gw.registry.mcpServers.update({ name: 'member', backend: { kind: 'bundle', members: ['leaf'] } }, 'admin-api')).toThrow(
        /mcpServer "bundle": backend.members: a bundle cannot contain a bundle \(member\)/,
      );
      expect(gw.registry.mcpServers.get('member')!.backend.kind).toBe('remote');
    } finally {
      gw.registry.mcpServers.remove('bundle', 'admin-api');
      gw.registry.mcpServers.remove('member', 'admin-api');
      gw.registry.mcpServers.remove('leaf', 'admin-api');
    }
  });
});
