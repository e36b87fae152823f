// Regular expressions from configuration (route path and header/query predicates, path rewrites, canary
// headerRegex, LLM model routes and model maps, CORS wildcard origins) run against what clients send. They
// compile with re2js (a port of Go's RE2, as the Sprig template functions do): matching time is linear in the
// input, so a careless pattern such as `^(a+)+$` cannot hold the event loop, and RE2 refuses what would need
// backtracking (backreferences, lookaround). The same helper checks a pattern at write time and compiles it
// for the snapshot, so what the registry accepts is exactly what serves.
import { RE2JS } from 're2js';

/** A compiled configuration regex with the few operations the gateway uses. */
export interface ConfigRegex {
  /** Whether the pattern matches anywhere in `input` (anchor it with `^`/`$` for a full match). */
  test(input: string): boolean;
  /** `input` with the first match replaced; `$1`, `$<name>`, `$&`, `$$` as in String.prototype.replace. */
  replaceFirst(input: string, replacement: string): string;
  /** `input` with every match replaced, same replacement syntax. */
  replaceAll(input: string, replacement: string): string;
}

/** A pattern RE2 refuses; the message names the configuration field. */
export class ConfigRegexError extends Error {
  override readonly name = 'ConfigRegexError';
}

/** Compiles `source` (RE2 syntax) for the configuration field `field`; throws {@link ConfigRegexError}. */
export function compileConfigRegex(source: string, field: string): ConfigRegex {
  let re: RE2JS;
  try {
    re = RE2JS.compile(source);
  } catch (err) {
    throw new ConfigRegexError(`${field}: is not a valid regular expression (RE2 syntax, no lookaround or backreferences: ${(err as Error).message})`);
  }
  return Object.freeze({
    test: (input: string) => re.test(input),
    replaceFirst: (input: string, replacement: string) => re.matcher(input).replaceFirst(replacement),
    replaceAll: (input: string, replacement: string) => re.matcher(input).replaceAll(replacement),
  });
}

/** The problem line for `source` at `field`, or undefined when RE2 accepts it (the write-time check). */
export function configRegexProblem(source: string, field: string): string | undefined {
  try {
    compileConfigRegex(source, field);
    return undefined;
  } catch (err) {
    return (err as Error).message;
  }
}
