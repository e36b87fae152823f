import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Registry } from '../../../registry/index.js';
import { runCli } from '../../helpers/cli.js';
import { tempDir } from '../../helpers/temp-dir.js';

describe('agate llm CLI', () => {
  const tmp = tempDir();
  const db = join(tmp.dir, 'agate.db');
  beforeAll(() => Registry.open(db).close());
  afterAll(() => tmp.cleanup());

  it('adds a provider with encrypted keys and a model map; shows it without the keys', async () => {
    const add = await runCli(['llm', 'provider', 'add', 'oa', '--type', 'openai', '--key', 'sk-one', '--key', 'sk-two', '--model-map', 'gpt-4o=qwen-max', '--json'], db);
    expect(add.code).toBe(0);
    expect(JSON.parse(add.stdout)).toMatchObject({ name: 'oa', keySecrets: ['llm-oa-key-1', 'llm-oa-key-2'], modelMap: [['gpt-4o', 'qwen-max']] });
    const list = await runCli(['llm', 'provider', 'list', '--json'], db);
    expect(list.stdout).not.toContain('sk-one');
    const r = Registry.open(db);
    try {
      expect(r.secrets.get('llm-oa-key-2')).toBe('sk-two');
      const raw = r.db.prepare("SELECT ciphertext FROM secrets WHERE name = 'llm-oa-key-1'").pluck().get() as Buffer;
      expect(raw.toString('utf8')).not.toContain('sk-one');
    } finally {
      r.close();
    }
  });

  it.each([
    [['llm', 'provider', 'add', 'x', '--type', 'nope'], 'llmProvider.type'],
    [['llm', 'provider', 'add', 'x', '--type', 'generic'], 'llmProvider.baseUrl'],
    [['llm', 'provider', 'add', 'x', '--type', 'openai', '--model-map', 'nonsense'], 'llmProvider.modelMap'],
    [['llm', 'route', 'add', 'r', '--model', 'gpt-*', '--provider', 'missing'], 'llmRoute.targets[0].provider'],
    [['llm', 'route', 'add', 'r', '--model', '(', '--match', 'regex', '--provider', 'oa'], 'llmRoute.model'],
    [['llm', 'route', 'add', 'r', '--model', 'm', '--provider', 'oa', '--tpm', 'lots'], 'llmRoute.tokensPerMinute'],
  ])('exit 2 naming the field: %j', async (args, field) => {
    const res = await runCli(args, db);
    expect(res.code).toBe(2);
    expect(res.stderr).toContain(field);
  });

  it('adds and lists routes, lists models, refuses to remove a provider in use, shows usage', async () => {
    expect((await runCli(['llm', 'provider', 'add', 'ds', '--type', 'deepseek', '--key', 'k'], db)).code).toBe(0);
    const add = await runCli(['llm', 'route', 'add', 'gpt', '--model', 'gpt-*', '--provider', 'oa', '--fallback', 'ds', '--tpm', '1000', '--json'], db);
    expect(add.code).toBe(0);
    expect(JSON.parse(add.stdout)).toMatchObject({ model: 'gpt-*', targets: [{ provider: 'oa', weight: 1 }], fallback: [{ provider: 'ds' }], tokensPerMinute: 1000 });
    const models = await runCli(['llm', 'models', '--json'], db);
    expect(JSON.parse(models.stdout)).toEqual([{ model: 'gpt-*', match: 'prefix', route: 'gpt', providers: ['oa'], fallback: ['ds'] }]);
    const rm = await runCli(['llm', 'provider', 'remove', 'ds'], db);
    expect(rm.code).toBe(1);
    expect(rm.stderr).toContain('still used by route(s) gpt');
    const r = Registry.open(db);
    r.llmUsage.add([{ hour: '2030-01-01T10:00:00Z', consumer: 'alice', route: 'gpt', provider: 'oa', model: 'qwen-max', requests: 2, errors: 0, promptTokens: 30, completionTokens: 12, cachedTokens: 5, reasoningTokens: 0, latencyMsSum: 200, ttftMsSum: 40, ttftCount: 2 }]);
    r.close();
    const usage = await runCli(['llm', 'usage', '--consumer', 'alice', '--since', '2030-01-01T00:00:00Z'], db);
    expect(usage.code).toBe(0);
    expect(usage.stdout).toMatch(/alice\s+gpt\s+oa\s+qwen-max\s+2\s+0\s+30\s+12\s+5\s+0\s+100\s+20/);
    expect((await runCli(['llm', 'route', 'remove', 'gpt'], db)).code).toBe(0);
    expect((await runCli(['llm', 'provider', 'remove', 'ds'], db)).code).toBe(0);
  });
});
