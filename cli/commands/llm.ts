import type { Command } from 'commander';
import { llmRouteMatchKind, type LlmUsageRow, type Registry } from '../../registry/index.js';
import { getProvider, PROVIDERS } from '../../server/config-tools.js';
import { withRegistry, UsageError } from '../context.js';
import { printFields, printJson, printTable } from '../output.js';

interface ProviderFlags {
  type: string;
  key: string[];
  baseUrl?: string;
  modelMap: string[];
  timeout?: string;
  maxResponseBytes?: string;
  apiVersion?: string;
  deployment?: string;
  price: string[];
  json?: boolean;
}

interface RouteFlags {
  model: string;
  match?: string;
  provider: string[];
  fallback: string[];
  weight?: string;
  consumer: string[];
  priority?: string;
  tpm?: string;
  rpm?: string;
  limitPer?: string;
  limitsOnStoreError?: string;
  budgetPeriod?: string;
  budgetTokens?: string;
  budgetUsd?: string;
  json?: boolean;
}

const collect = (value: string, previous: string[]) => [...previous, value];

/** `agate llm provider|route|models|usage`. */
export function registerLlmCommands(program: Command): void {
  const llm = program.command('llm').description('LLM routing: providers, model routes, models and usage');
  registerProviderCommands(llm.command('provider').description('LLM providers and their keys'));
  registerRouteCommands(llm.command('route').description('model routes: which provider serves which model'));

  llm
    .command('models')
    .description('models the gateway routes (exact names and patterns) and their providers')
    .option('--json', 'print JSON')
    .action((flags: { json?: boolean }, cmd: Command) => {
      withRegistry(cmd.optsWithGlobals(), (r) => {
        const rows = r.llmRoutes.list().map((route) => ({
          model: route.model,
          match: llmRouteMatchKind(route),
          route: route.name,
          providers: route.targets.map((t) => t.provider),
          fallback: route.fallback.map((t) => t.provider),
        }));
        if (flags.json) printJson(rows);
        else printTable(rows, ['model', 'match', 'route', 'providers', 'fallback']);
      });
    });

  llm
    .command('usage')
    .description('token usage per consumer, route, provider and model')
    .option('--consumer <name>', 'only this consumer')
    .option('--since <time>', 'ISO time or a duration such as 24h or 7d (default 24h)')
    .option('--json', 'print JSON rows (per hour)')
    .action((flags: { consumer?: string; since?: string; json?: boolean }, cmd: Command) => {
      withRegistry(cmd.optsWithGlobals(), (r) => {
        const rows = r.llmUsage.query({ consumer: flags.consumer, since: parseSince(flags.since ?? '24h') });
        if (flags.json) return printJson(rows);
        printTable(summarise(rows), ['consumer', 'route', 'provider', 'model', 'requests', 'errors', 'prompt', 'completion', 'cached', 'reasoning', 'avgLatencyMs', 'avgTtftMs']);
      });
    });
}

function registerProviderCommands(provider: Command): void {
  provider
    .command('add <name>')
    .description('add a provider; keys are stored encrypted as secrets')
    .requiredOption('--type <type>', `provider type: ${[...PROVIDERS.keys()].join(', ')}`)
    .option('--key <key>', 'an API key (repeat for several keys, which rotate)', collect, [])
    .option('--base-url <url>', 'override the provider base URL (required for generic, azure, vllm)')
    .option('--model-map <from=to>', "model mapping rule, e.g. 'gpt-4o=qwen-max', 'gpt-*=qwen-plus' (repeatable)", collect, [])
    .option('--timeout <ms>', 'time allowed for the response headers and first event, ms')
    .option('--max-response-bytes <n>', 'largest non-streamed answer read from the provider (default 32 MiB)')
    .option('--api-version <v>', 'Azure api-version or Gemini v1/v1beta')
    .option('--deployment <name>', 'Azure deployment')
    .option('--price <model=in/out>', "USD per 1M prompt/completion tokens of an upstream model, e.g. 'gpt-4o=2.5/10' ('*' for any model; repeatable)", collect, [])
    .option('--json', 'print the stored provider as JSON')
    .action((name: string, flags: ProviderFlags, cmd: Command) => addProvider(name, flags, cmd.optsWithGlobals()));

  provider
    .command('list')
    .option('--json', 'print JSON (keys appear as secret names, never values)')
    .action((flags: { json?: boolean }, cmd: Command) => {
      withRegistry(cmd.optsWithGlobals(), (r) => {
        const items = r.llmProviders.list();
        if (flags.json) return printJson(items);
        printTable(
          items.map((p) => ({ ...p, baseUrl: p.baseUrl ?? getProvider(p.type)?.defaultBaseUrl, keys: p.keySecrets.length, modelMap: p.modelMap.map(([a, b]) => `${a}=${b}`) })),
          ['name', 'type', 'baseUrl', 'keys', 'modelMap'],
        );
      });
    });

  provider
    .command('show <name>')
    .option('--json', 'print JSON')
    .action((name: string, flags: { json?: boolean }, cmd: Command) => {
      withRegistry(cmd.optsWithGlobals(), (r) => {
        const found = r.llmProviders.get(name);
        if (!found) throw new UsageError(`provider "${name}" not found`);
        if (flags.json) printJson(found);
        else printFields({ ...found, modelMap: found.modelMap.map(([a, b]) => `${a}=${b}`) });
      });
    });

  provider
    .command('remove <name>')
    .alias('rm')
    .description('remove a provider and its key secrets (refused while a route uses it)')
    .action((name: string, _flags: unknown, cmd: Command) => {
      withRegistry(cmd.optsWithGlobals(), (r) => removeProvider(r, name));
      process.stdout.write(`provider ${name} removed\n`);
    });
}

/** `agate llm provider add`: the provider and its keys (stored encrypted) in one transaction. */
function addProvider(name: string, flags: ProviderFlags, globals: { db?: string }): void {
  const type = getProvider(flags.type);
  if (!type) throw new UsageError(`llmProvider.type: unknown provider type "${flags.type}" (one of ${[...PROVIDERS.keys()].join(', ')})`);
  // Checked here because the registry cannot see the catalogue; a stored provider without it would reject every snapshot.
  if (!type.defaultBaseUrl && !flags.baseUrl) throw new UsageError(`llmProvider.baseUrl: is required for type "${flags.type}"`);
  withRegistry(globals, (r) => {
    const spec = {
      name,
      type: flags.type,
      ...(flags.baseUrl && { baseUrl: flags.baseUrl }),
      keySecrets: flags.key.map((_k, i) => keySecretName(name, i)),
      modelMap: flags.modelMap.map(parseMapRule),
      ...(flags.timeout && { timeoutMs: parseInt10(flags.timeout, 'llmProvider.timeoutMs') }),
      ...(flags.maxResponseBytes && { maxResponseBytes: parseInt10(flags.maxResponseBytes, 'llmProvider.maxResponseBytes') }),
      ...(flags.apiVersion && { apiVersion: flags.apiVersion }),
      ...(flags.deployment && { deployment: flags.deployment }),
      ...(flags.price.length && { prices: Object.fromEntries(flags.price.map(parsePrice)) }),
    };
    // Keys and provider in one transaction: a provider that fails validation leaves no orphan secrets.
    const stored = r.transaction(() => {
      flags.key.forEach((key, i) => r.secrets.put(keySecretName(name, i), key, 'cli'));
      return r.llmProviders.create(spec, 'cli');
    });
    if (flags.json) printJson(stored);
    else process.stdout.write(`provider ${name} added (${stored.type}, ${stored.keySecrets.length} key(s))\n`);
  });
}

function registerRouteCommands(route: Command): void {
  route
    .command('add <name>')
    .description('add a model route')
    .requiredOption('--model <pattern>', "requested model: exact, 'gpt-*' prefix, or a regex with --match regex")
    .option('--match <kind>', 'exact | prefix | regex (default: prefix when the model ends in *)')
    .option('--provider <name[=weight]>', 'a provider serving the route (repeatable, weighted)', collect, [])
    .option('--fallback <name>', 'tried in order when the providers fail before the first byte (repeatable)', collect, [])
    .option('--weight <n>', 'weight of providers given without =weight', '1')
    .option('--consumer <name>', 'a consumer or group:NAME allowed to use the route (repeatable; default everyone)', collect, [])
    .option('--priority <n>', 'higher wins')
    .option('--tpm <n>', 'tokens per minute (reserved before the call, settled after)')
    .option('--rpm <n>', 'requests per minute')
    .option('--limit-per <scope>', 'consumer | route')
    .option('--limits-on-store-error <mode>', 'closed (default: 503 while Redis does not answer) | open (admit)')
    .option('--budget-period <period>', 'day | month: calendar periods in UTC, for --budget-tokens and --budget-usd')
    .option('--budget-tokens <n>', 'tokens per period per consumer (or for the route with --limit-per route)')
    .option('--budget-usd <x>', 'USD per period, from the providers\' --price (every provider needs one)')
    .option('--json', 'print the stored route as JSON')
    .action((name: string, flags: RouteFlags, cmd: Command) => {
      const spec = routeSpec(name, flags);
      withRegistry(cmd.optsWithGlobals(), (r) => {
        const stored = r.llmRoutes.create(spec, 'cli');
        if (flags.json) printJson(stored);
        else process.stdout.write(`route ${name} added: ${stored.model} -> ${stored.targets.map((t) => t.provider).join(', ')}\n`);
      });
    });

  route
    .command('list')
    .option('--json', 'print JSON')
    .action((flags: { json?: boolean }, cmd: Command) => {
      withRegistry(cmd.optsWithGlobals(), (r) => {
        const items = r.llmRoutes.list();
        if (flags.json) return printJson(items);
        printTable(
          items.map((x) => ({
            ...x,
            match: llmRouteMatchKind(x),
            targets: x.targets.map((t) => `${t.provider}=${t.weight}`),
            fallback: x.fallback.map((t) => t.provider),
            limits: [
              x.tokensPerMinute && `${x.tokensPerMinute} tpm`,
              x.requestsPerMinute && `${x.requestsPerMinute} rpm`,
              x.budget?.tokens && `${x.budget.tokens} tokens/${x.budget.period}`,
              x.budget?.costUsd && `$${x.budget.costUsd}/${x.budget.period}`,
            ].filter(Boolean),
          })),
          ['name', 'model', 'match', 'targets', 'fallback', 'consumers', 'limits'],
        );
      });
    });

  route
    .command('remove <name>')
    .alias('rm')
    .action((name: string, _flags: unknown, cmd: Command) => {
      withRegistry(cmd.optsWithGlobals(), (r) => r.llmRoutes.remove(name, 'cli'));
      process.stdout.write(`route ${name} removed\n`);
    });
}

/** The llmRoute spec `agate llm route add` describes. */
function routeSpec(name: string, flags: RouteFlags): Record<string, unknown> {
  if (flags.provider.length === 0) throw new UsageError('llmRoute.targets: at least one --provider is required');
  const weight = parseInt10(flags.weight ?? '1', 'llmRoute.targets.weight');
  return {
    name,
    model: flags.model,
    ...(flags.match && { match: flags.match }),
    targets: flags.provider.map((p) => parseTarget(p, weight)),
    fallback: flags.fallback.map((p) => ({ provider: p })),
    ...(flags.consumer.length && { consumers: flags.consumer }),
    ...(flags.priority && { priority: parseInt10(flags.priority, 'llmRoute.priority') }),
    ...(flags.tpm && { tokensPerMinute: parseInt10(flags.tpm, 'llmRoute.tokensPerMinute') }),
    ...(flags.rpm && { requestsPerMinute: parseInt10(flags.rpm, 'llmRoute.requestsPerMinute') }),
    ...(flags.limitPer && { limitPer: flags.limitPer }),
    ...(flags.limitsOnStoreError && { limitsOnStoreError: flags.limitsOnStoreError }),
    ...budgetSpec(flags),
  };
}

/** `budget` from --budget-period/--budget-tokens/--budget-usd; the schema names what is missing or wrong. */
function budgetSpec(flags: RouteFlags): { budget?: Record<string, unknown> } {
  if (!flags.budgetPeriod && !flags.budgetTokens && !flags.budgetUsd) return {};
  return {
    budget: {
      ...(flags.budgetPeriod && { period: flags.budgetPeriod }),
      ...(flags.budgetTokens && { tokens: parseInt10(flags.budgetTokens, 'llmRoute.budget.tokens') }),
      ...(flags.budgetUsd && { costUsd: parseDecimal(flags.budgetUsd, 'llmRoute.budget.costUsd') }),
    },
  };
}

/** `MODEL=IN/OUT` (USD per 1M tokens) into a prices entry. */
function parsePrice(text: string): [string, { input: number; output: number }] {
  const m = /^(.+)=([^=/]+)\/([^=/]+)$/.exec(text);
  if (!m) throw new UsageError(`llmProvider.prices: "${text}" must look like MODEL=IN/OUT, e.g. gpt-4o=2.5/10`);
  return [m[1]!, { input: parseDecimal(m[2]!, `llmProvider.prices.${m[1]}.input`), output: parseDecimal(m[3]!, `llmProvider.prices.${m[1]}.output`) }];
}

function parseDecimal(text: string, field: string): number {
  if (!/^-?\d+(\.\d+)?$/.test(text)) throw new UsageError(`${field}: must be a number, got "${text}"`);
  return Number(text);
}

function removeProvider(r: Registry, name: string): void {
  const found = r.llmProviders.get(name);
  if (!found) throw new UsageError(`provider "${name}" not found`);
  const users = r.llmRoutes.list().filter((x) => [...x.targets, ...x.fallback].some((t) => t.provider === name));
  if (users.length) throw new Error(`provider "${name}" is still used by route(s) ${users.map((u) => u.name).join(', ')}`);
  r.transaction(() => {
    r.llmProviders.remove(name, 'cli');
    for (const s of found.keySecrets) if (r.secrets.has(s)) r.secrets.remove(s, 'cli');
  });
}

function keySecretName(provider: string, i: number): string {
  return `llm-${provider}-key-${i + 1}`.slice(0, 63);
}

function parseMapRule(rule: string): [string, string] {
  const eq = rule.indexOf('=');
  if (eq <= 0) throw new UsageError(`llmProvider.modelMap: "${rule}" must look like from=to`);
  return [rule.slice(0, eq), rule.slice(eq + 1)];
}

function parseTarget(text: string, weight: number): { provider: string; weight: number } {
  const eq = text.lastIndexOf('=');
  if (eq === -1) return { provider: text, weight };
  return { provider: text.slice(0, eq), weight: parseInt10(text.slice(eq + 1), 'llmRoute.targets.weight') };
}

function parseInt10(text: string, field: string): number {
  if (!/^\d+$/.test(text)) throw new UsageError(`${field}: must be a whole number, got "${text}"`);
  return Number(text);
}

/** ISO time, or a duration back from now (`30m`, `24h`, `7d`). */
function parseSince(text: string): string {
  const m = /^(\d+)([mhd])$/.exec(text);
  if (m) return new Date(Date.now() - Number(m[1]) * { m: 60_000, h: 3_600_000, d: 86_400_000 }[m[2] as 'm' | 'h' | 'd']).toISOString();
  if (Number.isNaN(Date.parse(text))) throw new UsageError(`--since: "${text}" is neither an ISO time nor a duration like 24h`);
  return new Date(text).toISOString();
}

function summarise(rows: LlmUsageRow[]): Array<Record<string, unknown>> {
  const byKey = new Map<string, LlmUsageRow>();
  for (const row of rows) {
    const id = [row.consumer, row.route, row.provider, row.model].join('\0');
    const acc = byKey.get(id);
    if (!acc) byKey.set(id, { ...row });
    else for (const k of ['requests', 'errors', 'promptTokens', 'completionTokens', 'cachedTokens', 'reasoningTokens', 'latencyMsSum', 'ttftMsSum', 'ttftCount'] as const) acc[k] += row[k];
  }
  return [...byKey.values()].map((x) => ({
    consumer: x.consumer || '-',
    route: x.route,
    provider: x.provider,
    model: x.model,
    requests: x.requests,
    errors: x.errors,
    prompt: x.promptTokens,
    completion: x.completionTokens,
    cached: x.cachedTokens,
    reasoning: x.reasoningTokens,
    avgLatencyMs: Math.round(x.latencyMsSum / Math.max(1, x.requests)),
    avgTtftMs: x.ttftCount ? Math.round(x.ttftMsSum / x.ttftCount) : undefined,
  }));
}
