/**
 * Model-name mapping with Higress semantics (higress-gateway-ai §1.4) but a deterministic order: an exact key
 * wins, then prefix keys (`gpt-4-*`), then regex keys (`~^qwen-(.*)$`, target may use `$1`), then `*`.
 * Within each kind the rules are tried in list order (Higress walks a Go map, so its order is undefined).
 */
import { compileConfigRegex, type ConfigRegex } from '../../../registry/index.js';

/** One rule: `[pattern, target]`. An empty target keeps the requested name. */
export type ModelMapRule = readonly [pattern: string, target: string];

/** A compiled mapper: requested model → upstream model. */
export type ModelMapper = (model: string) => string;

/** A rule set that cannot be compiled, or a mapping that produced an empty name. */
export class ModelMapError extends Error {
  override readonly name = 'ModelMapError';
}

interface Compiled {
  exact: Map<string, string>;
  prefixes: Array<[string, string]>;
  regexes: Array<[ConfigRegex, string]>;
  fallback: string | undefined;
}

function compileRules(rules: readonly ModelMapRule[]): Compiled {
  const out: Compiled = { exact: new Map(), prefixes: [], regexes: [], fallback: undefined };
  for (const [pattern, target] of rules) {
    if (typeof pattern !== 'string' || pattern === '' || typeof target !== 'string') {
      throw new ModelMapError(`invalid model mapping rule ${JSON.stringify([pattern, target])}`);
    }
    if (pattern === '*') out.fallback ??= target;
    else if (pattern.startsWith('~')) {
      try {
        out.regexes.push([compileConfigRegex(pattern.slice(1), 'modelMap'), target]);
      } catch (err) {
        throw new ModelMapError(`invalid regex in model mapping '${pattern}': ${(err as Error).message}`);
      }
    } else if (pattern.endsWith('*')) out.prefixes.push([pattern.slice(0, -1), target]);
    else if (!out.exact.has(pattern)) out.exact.set(pattern, target);
  }
  return out;
}

function apply(c: Compiled, model: string): string {
  const exact = c.exact.get(model);
  if (exact !== undefined) return exact || model;
  for (const [prefix, target] of c.prefixes) if (model.startsWith(prefix)) return target || model;
  for (const [re, target] of c.regexes) {
    if (!re.test(model)) continue;
    // Every match, like Go's ReplaceAllString, which Higress uses for regex targets.
    return target === '' ? model : re.replaceAll(model, target);
  }
  if (c.fallback !== undefined) return c.fallback || model;
  return model;
}

/** Compiles rules once (regexes included) for the hot path; throws {@link ModelMapError} on a bad rule. */
export function compileModelMap(rules: readonly ModelMapRule[]): ModelMapper {
  const compiled = compileRules(rules);
  return (model) => {
    const mapped = apply(compiled, model);
    if (mapped === '') throw new ModelMapError(`model '${model}' becomes empty after applying the model mapping`);
    return mapped;
  };
}

/** Maps one model name through `rules` (compiles them each call; prefer {@link compileModelMap}). */
export function mapModel(rules: readonly ModelMapRule[], model: string): string {
  return compileModelMap(rules)(model);
}
