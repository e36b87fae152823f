import type { Registry } from '../../registry/index.js';
import { compileLlmTable } from './compile-llm.js';

/** Compiles LLM providers and routes as a reload would (without loading token encoders), for its problems. */
export function checkLlm(registry: Registry, problems: string[]): void {
  compileLlmTable(registry, problems);
}
