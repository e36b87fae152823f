import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { packageRoot, Registry, type McpServerSpec } from '../../../registry/index.js';
import { runCli } from '../../helpers/cli.js';
import { tempDir } from '../../helpers/temp-dir.js';

const tmp = tempDir();
const db = join(tmp.dir, 'agate.db');
const file = (name: string, text: string) => {
  const path = join(tmp.dir, name);
  writeFileSync(path, text);
  return path;
};
const cli = (...args: string[]) => runCli(args, db, { AGATE_PORT: '18080' });

/** Reads the registry as the gateway would: the stored spec and the decrypted secrets it references. */
function stored(name: string): { spec: McpServerSpec; raw: string; secret: (ref: string) => string | undefined; secretNames: string[] } {
  const r = Registry.open(db);
  try {
    const raw = (r.db.prepare('SELECT spec FROM mcp_servers WHERE name = ?').get(name) as { spec: string } | undefined)?.spec ?? '';
    const names = r.secrets.names();
    const values = new Map(names.map((n) => [n, r.secrets.get(n)]));
    return { spec: r.mcpServers.get(name)!, raw, secret: (ref) => values.get(ref), secretNames: names };
  } finally {
    r.close();
  }
}

const WEATHER = `server:
  name: weather
  config:
    apiKey: "file-key-123"
    units: metric
tools:
  - name: get_weather
    description: Current weather
    args:
      - name: city
        type: string
        required: true
        position: query
    requestTemplate:
      url: https://api.weather.example/v1/current
      method: GET
      headers:
        - key: X-Api-Key
          value: "{{.config.apiKey}}"
    responseTemplate:
      body: "{{.city}}: {{.temp}}"
`;

afterAll(() => tmp.cleanup());

describe('agate mcp add: each source kind round-trips through the registry', () => {
  it('remote Streamable HTTP: credential headers are stored encrypted and referenced by name; URLs and a try line are printed', async () => {
    const r = await cli('mcp', 'add', 'github', 'https://example.com/mcp', '--header', 'Authorization: Bearer ghp-secret-1', '--header', 'User-Agent: agate-test');
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('Streamable HTTP  http://127.0.0.1:18080/mcp/github');
    expect(r.stdout).toContain('SSE              http://127.0.0.1:18080/mcp/github/sse');
    expect(r.stdout).toMatch(/^Try: npx agate mcp tools github$/m);
    const s = stored('github');
    expect(s.spec.backend).toMatchObject({ kind: 'remote', url: 'https://example.com/mcp', transport: 'streamable-http', headers: { 'User-Agent': 'agate-test' } });
    const ref = (s.spec.backend as { secretHeaders: Record<string, string> }).secretHeaders.Authorization!;
    expect(ref).toMatch(/^mcp\.github\.h\./);
    expect(s.secret(ref)).toBe('Bearer ghp-secret-1');
    expect(s.raw).not.toContain('ghp-secret-1');
  });

  it.each([
    ['http://127.0.0.1:9000/sse', [], 'sse'],
    ['http://127.0.0.1:9000/mcp', ['--transport', 'sse'], 'sse'],
    ['http://127.0.0.1:9000/sse', ['--transport', 'streamable'], 'streamable-http'],
  ])('remote %s %j is served over %s', async (url, flags, transport) => {
    const name = `legacy-${transport}-${flags.length}`;
    expect((await cli('mcp', 'add', name, url, ...flags)).code).toBe(0);
    expect(stored(name).spec.backend).toMatchObject({ kind: 'remote', url, transport });
  });

  it('stdio: the command after -- with its arguments; secret-looking env stored encrypted', async () => {
    const r = await cli('mcp', 'add', 'files', '--stdio', '--env', 'GITHUB_TOKEN=tok-42', '--env', 'NODE_ENV=production', '--secret-env', 'PLAIN_NAME=hidden', '--', 'npx', '-y', '@modelcontextprotocol/server-filesystem', '/srv/docs');
    expect(r.code).toBe(0);
    const s = stored('files');
    expect(s.spec.backend).toMatchObject({ kind: 'stdio', command: 'npx', args: ['-y', '@modelcontextprotocol/server-filesystem', '/srv/docs'], env: { NODE_ENV: 'production' } });
    const refs = (s.spec.backend as { secretEnv: Record<string, string> }).secretEnv;
    expect(Object.keys(refs).sort()).toEqual(['GITHUB_TOKEN', 'PLAIN_NAME']);
    expect(s.secret(refs.GITHUB_TOKEN!)).toBe('tok-42');
    expect(s.secret(refs.PLAIN_NAME!)).toBe('hidden');
    expect(s.raw).not.toMatch(/tok-42|hidden/);
  });

  it.each([['per-session'], ['shared']])('stdio --isolation %s is stored as the backend isolation', async (isolation) => {
    const name = `iso-${isolation}`;
    const r = await cli('mcp', 'add', name, '--stdio', '--isolation', isolation, '--', 'node', 'server.js');
    expect(r.code, r.stderr).toBe(0);
    expect(stored(name).spec.backend).toMatchObject({ kind: 'stdio', command: 'node', isolation });
  });

  it('stdio without --isolation stores none (shared, own process for sessions with roots)', async () => {
    expect((await cli('mcp', 'add', 'iso-auto', '--stdio', '--', 'node', 'server.js')).code).toBe(0);
    expect(stored('iso-auto').spec.backend).not.toHaveProperty('isolation');
  });

  it('a header or env value under a name no heuristic recognises is stored encrypted; only known-plain names stay plain', async () => {
    const remote = await cli('mcp', 'add', 'opaque-remote', 'https://o.example/mcp', '--header', 'X-Upstream-Auth: opaque-h-1', '--header', 'Accept: application/json');
    expect(remote.code, remote.stderr).toBe(0);
    const stdio = await cli('mcp', 'add', 'opaque-stdio', '--stdio', '--env', 'DD_SITE_PASS=opaque-e-2', '--env', 'LOG_LEVEL=debug', '--', 'node', 'x.js');
    expect(stdio.code, stdio.stderr).toBe(0);
    const r = stored('opaque-remote');
    const rb = r.spec.backend as { headers: Record<string, string>; secretHeaders: Record<string, string> };
    expect(rb.headers).toEqual({ Accept: 'application/json' });
    expect(r.secret(rb.secretHeaders['X-Upstream-Auth']!)).toBe('opaque-h-1');
    const s = stored('opaque-stdio');
    const sb = s.spec.backend as { env: Record<string, string>; secretEnv: Record<string, string> };
    expect(sb.env).toEqual({ LOG_LEVEL: 'debug' });
    expect(s.secret(sb.secretEnv.DD_SITE_PASS!)).toBe('opaque-e-2');
    expect(r.raw + s.raw).not.toMatch(/opaque-h-1|opaque-e-2/);
    for (const name of ['opaque-remote', 'opaque-stdio']) expect((await cli('mcp', 'show', name, '--json')).stdout).not.toMatch(/opaque-h-1|opaque-e-2/);
  }, 90_000); // four CLI processes: slow on a loaded machine

  it('REST config: a key written in server.config moves into a secret; export prints the config without it', async () => {
    const path = file('weather.yaml', WEATHER);
    const r = await cli('mcp', 'add', 'weather', path, '--override-origin', 'https://api.weather.example=http://127.0.0.1:9');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('REST-to-MCP server, 1 tools');
    const s = stored('weather');
    const backend = s.spec.backend as { kind: string; config: any; secretSettings: Record<string, string>; originOverrides: Record<string, string> };
    expect(backend.kind).toBe('rest');
    expect(backend.config.server.config).toEqual({ apiKey: '', units: 'metric' });
    expect(s.secret(backend.secretSettings.apiKey!)).toBe('file-key-123');
    expect(backend.originOverrides).toEqual({ 'https://api.weather.example': 'http://127.0.0.1:9' });
    expect(s.raw).not.toContain('file-key-123');
    const exported = await cli('mcp', 'export', 'weather');
    expect(exported.code).toBe(0);
    const doc = parse(exported.stdout);
    expect(doc.server.config).toEqual({ apiKey: '', units: 'metric' });
    expect(doc.tools[0].requestTemplate.url).toBe('https://api.weather.example/v1/current');
    expect(JSON.parse((await cli('mcp', 'export', 'weather', '--format', 'json')).stdout)).toEqual(doc);
  });

  it('OpenAPI: converted to a REST config named after the server, with the base URL given', async () => {
    const spec = join(packageRoot(), 'test', 'servers', 'rest-to-mcp', 'fixtures', 'petstore-refs.yaml');
    const r = await cli('mcp', 'add', 'petstore', spec, '--type', 'openapi', '--base-url', 'https://pets.example.org/api');
    expect(r.code).toBe(0);
    const config = (stored('petstore').spec.backend as { config: any }).config;
    expect(config.server.name).toBe('petstore');
    expect(config.tools.map((t: { name: string }) => t.name)).toContain('listPets');
    expect(config.tools.every((t: any) => t.requestTemplate.url.startsWith('https://pets.example.org/api/'))).toBe(true);
  });

  it('hosted: --secret is stored encrypted; a setting the server does not have is a usage error', async () => {
    const r = await cli('mcp', 'add', 'quark', '--server', 'quark-search', '--secret', 'apiKey=iqs-key-9');
    expect(r.code).toBe(0);
    const s = stored('quark');
    const backend = s.spec.backend as { server: string; secretSettings: Record<string, string>; settings: Record<string, string> };
    expect(backend).toMatchObject({ server: 'quark-search', settings: {} });
    expect(s.secret(backend.secretSettings.apiKey!)).toBe('iqs-key-9');
    const bad = await cli('mcp', 'add', 'quark2', '--server', 'quark-search', '--secret', 'apikey=x');
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('hosted server quark-search has no setting "apikey" (known: apiKey)');
    const unknown = await cli('mcp', 'add', 'nope', '--server', 'no-such-server');
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('no hosted server named "no-such-server"');
  });

  it('hosted without its key: added, with a warning saying how to set it', async () => {
    const r = await cli('mcp', 'add', 'amap', '--server', 'amap-tools');
    expect(r.code).toBe(0);
    expect(r.stderr).toContain('warning: apiKey is not set');
  });

  it('bundle: members, prefix and separator; a member not configured yet is a warning', async () => {
    const r = await cli('mcp', 'add', 'all', '--bundle', 'quark,weather,later', '--prefix', 'always', '--separator', '__');
    expect(r.code).toBe(0);
    expect(r.stderr).toContain('bundle member "later" is not configured yet');
    expect(stored('all').spec.backend).toEqual({ kind: 'bundle', members: ['quark', 'weather', 'later'], separator: '__', prefix: 'always' });
  });

  it('Higress toolSet: loads unchanged as a bundle with per-member tool lists, and exports back as a toolSet', async () => {
    const path = file('toolset.yaml', 'toolSet:\n  name: all\n  serverTools:\n    - serverName: weather\n      tools: [get_weather]\n    - serverName: quark\n      tools: [web_search]\n');
    expect((await cli('mcp', 'add', 'combo', path)).code).toBe(0);
    expect(stored('combo').spec.backend).toEqual({
      kind: 'bundle',
      members: ['weather', 'quark'],
      separator: '___',
      prefix: 'always',
      tools: { weather: ['get_weather'], quark: ['web_search'] },
    });
    expect(parse((await cli('mcp', 'export', 'combo')).stdout)).toEqual({
      toolSet: { name: 'combo', serverTools: [{ serverName: 'weather', tools: ['get_weather'] }, { serverName: 'quark', tools: ['web_search'] }] },
    });
  });
});

describe('agate mcp list, show, remove', () => {
  it('list names every server with its kind, source and URL (--json too)', async () => {
    const rows = JSON.parse((await cli('mcp', 'list', '--json')).stdout) as Array<Record<string, unknown>>;
    expect(rows.find((r) => r.name === 'github')).toMatchObject({ kind: 'remote', source: 'https://example.com/mcp (streamable-http)', url: 'http://127.0.0.1:18080/mcp/github' });
    expect(rows.find((r) => r.name === 'files')).toMatchObject({ kind: 'stdio', source: 'npx -y @modelcontextprotocol/server-filesystem /srv/docs' });
    const text = (await cli('mcp', 'list')).stdout;
    expect(text).toMatch(/^weather\s+rest\s+weather \(1 tools\)\s+true\s+http:\/\/127\.0\.0\.1:18080\/mcp\/weather$/m);
  });

  it('show masks every secret: references by name and state, plain credential-like values as ********', async () => {
    const r = Registry.open(db);
    r.mcpServers.create({ name: 'by-hand', backend: { kind: 'remote', url: 'https://h.example/mcp', transport: 'sse', headers: { 'X-Api-Key': 'plain-leak' }, secretHeaders: { Authorization: 'no-such-secret' } } }, 'cli');
    r.close();
    for (const name of ['github', 'files', 'weather', 'quark', 'by-hand']) {
      const shown = await cli('mcp', 'show', name, '--json');
      expect(shown.code).toBe(0);
      expect(shown.stdout).not.toMatch(/ghp-secret-1|tok-42|hidden|file-key-123|iqs-key-9|plain-leak/);
    }
    const hand = JSON.parse((await cli('mcp', 'show', 'by-hand', '--json')).stdout);
    expect(hand.backend.headers).toEqual({ 'X-Api-Key': '********' });
    expect(hand.backend.secretHeaders).toEqual({ Authorization: 'secret:no-such-secret (missing)' });
    const github = (await cli('mcp', 'show', 'github')).stdout;
    expect(github).toMatch(/Authorization: secret:mcp\.github\.h\.\S+ \(set\)/);
    expect(github).toContain('streamableHttp: http://127.0.0.1:18080/mcp/github');
  });

  it('a second add of the same name is refused; --replace replaces it and drops the secrets it no longer uses', async () => {
    const again = await cli('mcp', 'add', 'github', 'https://example.com/mcp');
    expect(again.code).toBe(1);
    expect(again.stderr).toContain('mcpServer "github" already exists (add --replace to replace it)');
    const before = stored('github').secretNames.filter((n) => n.startsWith('mcp.github.'));
    expect(before).toHaveLength(1);
    expect((await cli('mcp', 'add', 'github', 'https://example.com/v2/mcp', '--replace')).code).toBe(0);
    const after = stored('github');
    expect(after.spec.backend).toMatchObject({ url: 'https://example.com/v2/mcp', secretHeaders: {} });
    expect(after.secretNames.filter((n) => n.startsWith('mcp.github.'))).toEqual([]);
  });

  it('remove deletes the server and the secrets mcp add stored for it', async () => {
    const r = await cli('mcp', 'remove', 'quark');
    expect(r.code).toBe(0);
    const s = stored('quark');
    expect(s.spec).toBeUndefined();
    expect(s.secretNames.filter((n) => n.startsWith('mcp.quark.'))).toEqual([]);
    expect((await cli('mcp', 'remove', 'quark')).code).toBe(1);
  });

  it.each([
    [['mcp', 'add', 'x', '--server', 'quark-search', '--header', 'A: b'], '--header does not apply to a hosted server'],
    [['mcp', 'add', 'x', 'https://e.example/mcp', '--env', 'A=b'], '--env does not apply to a remote server'],
    [['mcp', 'add', 'x'], 'a source is needed'],
    [['mcp', 'add', 'x', '--stdio'], '--stdio needs the command after --'],
    [['mcp', 'add', 'x', 'https://e.example/mcp', '--transport', 'websocket'], '--transport: must be streamable or sse'],
    [['mcp', 'add', 'x', '--bundle', 'a,b', '--prefix', 'sometimes'], '--prefix: must be always, conditional or never'],
    [['mcp', 'add', 'x', '--server', 'quark-search', '--rate-limit', 'lots'], 'mcpServer.rateLimit.perConsumer'],
    [['mcp', 'add', 'Bad_Name', '--server', 'quark-search'], 'mcpServer.name'],
    [['mcp', 'add', 'x', '--server', 'quark-search', '--override-origin', 'https://cloud-iqs.aliyuncs.com=http://127.0.0.1:9/path'], 'originOverrides'],
    [['mcp', 'add', 'x', '--server', 'quark-search', '--max-concurrent', '8'], '--max-concurrent does not apply to a hosted server'],
    [['mcp', 'add', 'x', 'https://e.example/mcp', '--timeout', 'soon'], '--timeout: must be a duration'],
    [['mcp', 'add', 'x', 'https://e.example/mcp', '--max-message-bytes', 'huge'], '--max-message-bytes: must be a size'],
    [['mcp', 'add', 'x', 'https://e.example/mcp', '--max-concurrent', 'many'], '--max-concurrent: must be an integer'],
    [['mcp', 'add', 'x', 'https://e.example/mcp', '--max-concurrent', '-1'], 'maxConcurrentRequests'],
    [['mcp', 'add', 'x', 'https://e.example/mcp', '--isolation', 'per-session'], '--isolation does not apply to a remote server'],
    [['mcp', 'add', 'x', '--stdio', '--isolation', 'private', '--', 'node'], '--isolation: must be shared or per-session (got "private")'],
    [['mcp', 'add', 'x', 'https://e.example/mcp', '--scope', 'mcp:tools'], '--scope needs --oauth-issuer'],
    [['mcp', 'add', 'x', 'https://e.example/mcp', '--oauth-issuer', 'https://idp.example.com', '--introspection-url', 'https://idp.example.com/i'], 'go together'],
    [['mcp', 'add', 'x', 'https://e.example/mcp', '--oauth-issuer', 'idp.example.com'], 'mcpServer.auth.issuer'],
    [['mcp', 'add', 'x', 'https://e.example/mcp', '--oauth-issuer', 'https://idp.example.com', '--scope', 'two words'], 'mcpServer.auth.scopes'],
  ])('usage errors exit 2 and change nothing: %j', async (args, message) => {
    const r = await cli(...args);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(message);
    expect(stored('x').spec).toBeUndefined();
  });

  it('an invalid REST config is refused with the file, tool and field named', async () => {
    const path = file('broken.yaml', WEATHER.replace('type: string', 'type: widget'));
    const r = await cli('mcp', 'add', 'broken', path);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`${path}: tools[0] (get_weather).args[0] (city).type: "widget" is not a JSON Schema type`);
    expect(stored('broken').spec).toBeUndefined();
  });

  it('a remote server\'s timeout, message size limit and concurrency limit land in the spec', async () => {
    const r = await cli('mcp', 'add', 'tuned', 'https://e.example/mcp', '--timeout', '30s', '--max-message-bytes', '8mb', '--max-concurrent', '64');
    expect(r.code).toBe(0);
    expect(stored('tuned').spec.backend).toMatchObject({ kind: 'remote', timeoutMs: 30_000, maxMessageBytes: 8 * 1024 * 1024, maxConcurrentRequests: 64 });
  });

  it('access and rate-limit flags land in the spec', async () => {
    const r = await cli('mcp', 'add', 'limited', '--server', 'amap-tools', '--consumer', 'alice', 'group:ops', '--allow-tool', 'maps_weather', '--rate-limit', '60/m', '--tool-rate-limit', '5/s');
    expect(r.code).toBe(0);
    expect(stored('limited').spec).toMatchObject({
      access: { consumers: ['alice', 'group:ops'], allowTools: ['maps_weather'] },
      rateLimit: { perConsumer: { requests: 60, windowSeconds: 60 }, perTool: { requests: 5, windowSeconds: 1 } },
    });
  });

  it('OAuth flags make the server a resource server of that issuer', async () => {
    const r = await cli('mcp', 'add', 'guarded', 'https://e.example/mcp', '--oauth-issuer', 'https://idp.example.com', '--jwks-uri', 'https://idp.example.com/jwks', '--scope', 'mcp:tools', '--scope', 'mcp:admin', '--oauth-audience', 'https://gw.example.com/mcp/guarded');
    expect(r.code).toBe(0);
    expect(stored('guarded').spec.auth).toEqual({
      type: 'oauth',
      issuer: 'https://idp.example.com',
      jwksUri: 'https://idp.example.com/jwks',
      scopes: ['mcp:tools', 'mcp:admin'],
      audience: 'https://gw.example.com/mcp/guarded',
    });
  });

  it('--introspection-secret is stored encrypted and referenced by name; remove drops it', async () => {
    const r = await cli('mcp', 'add', 'opaque', 'https://e.example/mcp', '--oauth-issuer', 'https://idp.example.com', '--introspection-url', 'https://idp.example.com/introspect', '--introspection-client-id', 'agate', '--introspection-secret', 's3cret-value');
    expect(r.code).toBe(0);
    const { spec, raw, secret } = stored('opaque');
    const ref = spec.auth!.introspection!.clientSecret;
    expect(spec.auth!.introspection).toMatchObject({ url: 'https://idp.example.com/introspect', clientId: 'agate' });
    expect(secret(ref)).toBe('s3cret-value');
    expect(raw).not.toContain('s3cret-value');
    expect((await cli('mcp', 'remove', 'opaque')).code).toBe(0);
    expect(stored('opaque').secretNames).not.toContain(ref);
  });
});
