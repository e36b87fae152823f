import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../../helpers/cli.js';
import { startTestGateway, type TestGateway } from '../../helpers/gateway.js';
import { tempDir } from '../../helpers/temp-dir.js';

const WEATHER = `server:
  name: weather
  config:
    apiKey: ""
    region: ""
tools:
  - name: now
    description: Weather now
    requestTemplate:
      url: https://api.w.example/now?region={{.config.region}}
      method: GET
      headers:
        - key: X-Api-Key
          value: "{{.config.apiKey}}"
`;

describe('agate mcp add --self-service-setting: which settings consumers may set themselves', () => {
  const tmp = tempDir();
  const file = join(tmp.dir, 'weather.yaml');
  let gw: TestGateway;
  const cli = (...args: string[]) => runCli(args, gw.dbPath, { AGATE_KEY: '' });

  beforeAll(async () => {
    writeFileSync(file, WEATHER);
    gw = await startTestGateway();
  });
  afterAll(async () => {
    await gw?.stop();
    tmp.cleanup();
  });

  it('stores the listed keys as backend.selfServiceSettings; none unless listed', async () => {
    const r = await cli('mcp', 'add', 'weather', file, '--self-service-setting', 'apiKey');
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(gw.registry.mcpServers.get('weather')!.backend).toMatchObject({ kind: 'rest', selfServiceSettings: ['apiKey'] });
    expect((await cli('mcp', 'add', 'plain', file)).code).toBe(0);
    expect(gw.registry.mcpServers.get('plain')!.backend).not.toHaveProperty('selfServiceSettings');
  });

  it('refuses a key the config does not declare, naming it and the ones it has', async () => {
    const r = await cli('mcp', 'add', 'weather2', file, '--self-service-setting', 'cityCode');
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain('--self-service-setting: the config has no setting "cityCode" (it has: apiKey, region)');
    expect(gw.registry.mcpServers.get('weather2')).toBeUndefined();
  });

  it('refuses the flag for a server that is not REST', async () => {
    const r = await cli('mcp', 'add', 'remote1', 'http://127.0.0.1:9/mcp', '--self-service-setting', 'apiKey');
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/--self-service-setting/);
  });

  it('a registry write (admin API, apply) naming an undeclared key is refused at write time', () => {
    const spec = structuredClone(gw.registry.mcpServers.get('weather')!);
    const backend = { ...spec.backend, selfServiceSettings: ['apiKey', 'nope'] };
    expect(() => gw.registry.mcpServers.update({ ...spec, name: 'weather', backend }, 'admin-api')).toThrow(/backend\.selfServiceSettings: the config has no setting "nope" \(it has: apiKey, region\)/);
  });
});
