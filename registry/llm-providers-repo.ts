import type { Db } from './db.js';
import type { AuditRepo } from './audit-repo.js';
import { SpecStore } from './spec-store.js';

/** A stored LLM provider (llm-provider.schema.json). Its keys are secrets, referenced by name. */
export interface LlmProviderSpec {
  name: string;
  type: string;
  baseUrl?: string;
  keySecrets: string[];
}

/** LLM providers the gateway routes to. */
export function createLlmProvidersRepo(db: Db, audit: AuditRepo): SpecStore<LlmProviderSpec> {
  return new SpecStore<LlmProviderSpec>(db, audit, { table: 'llm_providers', kind: 'llmProvider' });
}
