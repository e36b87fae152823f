import type { Db } from './db.js';
import type { AuditRepo } from './audit-repo.js';
import { SpecStore } from './spec-store.js';
import { configRegexProblem } from './config-regex.js';

/** A stored LLM provider (llm-provider.schema.json), defaults filled in. Its keys are secrets, referenced by name. */
export interface LlmProviderSpec {
  name: string;
  /** Catalogue id (openai, anthropic, gemini, deepseek, …). */
  type: string;
  /** Overrides the catalogue's base URL (required for generic, azure, self-hosted). */
  baseUrl?: string;
  /** Secret names holding the API keys, rotated in order. */
  keySecrets: string[];
  /** Ordered [pattern, target] model-mapping rules. */
  modelMap: Array<[string, string]>;
  /** Time allowed for headers and the first stream event, ms. */
  timeoutMs: number;
  /** Longest silence between body chunks, ms. */
  idleTimeoutMs: number;
  /** Largest non-streamed answer read from the provider, bytes. */
  maxResponseBytes: number;
  apiVersion?: string;
  deployment?: string;
  /** Consecutive key failures before the key is ejected. */
  ejectAfterFailures: number;
  /** Probe period of an ejected key, ms. */
  probeIntervalMs: number;
  /** USD per 1M tokens by upstream model ('*': any other model); what cost budgets charge. */
  prices?: Record<string, ModelPrice>;
}

/** A model's price in USD per 1M tokens. */
export interface ModelPrice {
  input: number;
  output: number;
}

/** LLM providers the gateway routes to; every key reference must name an existing secret. */
export function createLlmProvidersRepo(db: Db, audit: AuditRepo): SpecStore<LlmProviderSpec> {
  const secretExists = db.prepare('SELECT 1 FROM secrets WHERE name = ?');
  return new SpecStore<LlmProviderSpec>(db, audit, {
    table: 'llm_providers',
    kind: 'llmProvider',
    hooks: {
      check(p) {
        const problems: string[] = [];
        p.keySecrets.forEach((s, i) => {
          if (!secretExists.get(s)) problems.push(`llmProvider.keySecrets[${i}]: no secret named "${s}"`);
        });
        p.modelMap.forEach(([pattern], i) => {
          const problem = pattern.startsWith('~') ? configRegexProblem(pattern.slice(1), `llmProvider.modelMap[${i}]`) : undefined;
          if (problem) problems.push(problem);
        });
        return problems;
      },
    },
  });
}
