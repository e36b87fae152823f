// Budget configuration through the CLI: each bad budget is refused with the field it names, and a cost budget
// whose providers have no price is refused when written (it could not be enforced), not discovered at serve time.
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Registry } from '../../../registry/index.js';
import { runCli } from '../../helpers/cli.js';
import { tempDir } from '../../helpers/temp-dir.js';

describe('agate llm budgets: configuration', () => {
  const tmp = tempDir();
  const db = join(tmp.dir, 'agate.db');
  beforeAll(async () => {
    Registry.open(db).close();
    expect((await runCli(['llm', 'provider', 'add', 'plain', '--type', 'openai', '--key', 'k'], db)).code).toBe(0);
    const priced = await runCli(['llm', 'provider', 'add', 'priced', '--type', 'openai', '--key', 'k', '--price', 'm1=2.5/10', '--json'], db);
    expect(priced.code).toBe(0);
    expect(JSON.parse(priced.stdout).prices).toEqual({ m1: { input: 2.5, output: 10 } });
  });
  afterAll(() => tmp.cleanup());

  const route = (...extra: string[]) => ['llm', 'route', 'add', 'r', '--model', 'm1', '--provider', 'priced', ...extra];

  it.each([
    { name: 'negative tokens', args: route('--budget-period', 'day', '--budget-tokens', '-5'), says: ['llmRoute.budget.tokens'] },
    { name: 'zero tokens', args: route('--budget-period', 'day', '--budget-tokens', '0'), says: ['llmRoute.budget.tokens'] },
    { name: 'negative USD', args: route('--budget-period', 'day', '--budget-usd', '-1'), says: ['llmRoute.budget.costUsd'] },
    { name: 'USD not a number', args: route('--budget-period', 'day', '--budget-usd', 'ten'), says: ['llmRoute.budget.costUsd'] },
    { name: 'unknown period', args: route('--budget-period', 'week', '--budget-tokens', '10'), says: ['llmRoute.budget.period', '"day", "month"'] },
    { name: 'no period', args: route('--budget-tokens', '10'), says: ['llmRoute.budget.period', 'required'] },
    { name: 'a period and nothing to count', args: route('--budget-period', 'day'), says: ['llmRoute.budget', 'tokens, costUsd or both'] },
    { name: 'a price that is not IN/OUT', args: ['llm', 'provider', 'add', 'x', '--type', 'openai', '--price', 'm1=3'], says: ['llmProvider.prices', 'MODEL=IN/OUT'] },
    {
      name: 'a cost budget on a provider without prices',
      args: ['llm', 'route', 'add', 'r', '--model', 'm1', '--provider', 'plain', '--budget-period', 'month', '--budget-usd', '5'],
      says: ['llmRoute.budget.costUsd', 'provider "plain" has no price for model "m1"'],
    },
    {
      name: 'a cost budget whose fallback has no price',
      args: route('--fallback', 'plain', '--budget-period', 'month', '--budget-usd', '5'),
      says: ['llmRoute.budget.costUsd', 'provider "plain"'],
    },
    {
      name: 'a pattern route on a provider priced for one model only',
      args: ['llm', 'route', 'add', 'r', '--model', 'm*', '--provider', 'priced', '--budget-period', 'month', '--budget-usd', '5'],
      says: ['llmRoute.budget.costUsd', "'*' price"],
    },
  ])('refuses $name, naming the field', async ({ args, says }) => {
    const res = await runCli(args, db);
    expect(res.code).not.toBe(0);
    for (const s of says) expect(res.stderr).toContain(s);
    const r = Registry.open(db);
    try {
      expect(r.llmRoutes.get('r')).toBeUndefined();
    } finally {
      r.close();
    }
  });

  it('stores a budget of tokens and USD on a priced route and lists it', async () => {
    const add = await runCli(route('--budget-period', 'month', '--budget-tokens', '100000', '--budget-usd', '12.5', '--limits-on-store-error', 'open', '--json'), db);
    expect(add.stderr).toBe('');
    expect(JSON.parse(add.stdout)).toMatchObject({ budget: { period: 'month', tokens: 100000, costUsd: 12.5 }, limitsOnStoreError: 'open' });
    const list = await runCli(['llm', 'route', 'list'], db);
    expect(list.stdout).toContain('100000 tokens/month');
    expect(list.stdout).toContain('$12.5/month');
  });
});
