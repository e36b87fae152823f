// Public face of the REST-to-MCP template engine: Go text/template syntax with
// Higress gjson_template data semantics, Go builtins, Sprig, and per-call extensions.
import { BUILTINS, SPECIAL_FORMS } from './builtins.js';
import type { TemplateTree } from './ast.js';
import { execute, executeParts, type CallMode, type ExecContext, type ExecLimits, type ExtensionFunc } from './evaluator.js';
import { TemplateExecError } from './errors.js';
import { parseJsonData } from './json-data.js';
import type { OutputPart } from './trust.js';
import type { FuncTable } from './funcs.js';
import { parseTree } from './parser.js';
import { rootFieldNames } from './references.js';
import { SPRIG_FUNCS } from './sprig/index.js';

export { TemplateExecError, TemplateSyntaxError } from './errors.js';
export { gjsonGet, type GjsonResult } from './gjson.js';
export type { CallMode, ExecLimits, ExtensionFunc } from './evaluator.js';
export { parseJsonData, withMember, type JsonDataResult } from './json-data.js';
export type { OutputPart } from './trust.js';

/** Every function available without per-call extensions: Go builtins plus Sprig. */
const FUNCS: FuncTable = Object.freeze({ ...SPRIG_FUNCS, ...BUILTINS });

/** Extension names Higress supplies per request, accepted at parse time by default. */
export const DEFAULT_KNOWN_FUNCS: readonly string[] = Object.freeze(['getRealIP', 'getSocketIP']);

/** Default bounds for one render. */
export const DEFAULT_LIMITS: Readonly<ExecLimits> = Object.freeze({
  maxOutput: 10 * 1024 * 1024,
  maxSteps: 5_000_000,
  maxTemplateDepth: 100,
});

/** Options for {@link parseTemplate}. */
export interface ParseOptions {
  /** Names of functions that will be supplied per render (default: getRealIP, getSocketIP). */
  knownFuncs?: readonly string[];
  /** Overrides for the render limits of this template. */
  limits?: Partial<ExecLimits>;
  /** `higress` calls Sprig the way gjson_template does (raw JSON text in, `%f` floats out); default `strict`. */
  mode?: CallMode;
}

/** Options for {@link CompiledTemplate.render}. */
export interface RenderOptions {
  /** Extension functions for this call; they may also shadow builtins and Sprig. */
  funcs?: Record<string, ExtensionFunc>;
}

/** A parsed template, reusable for any number of renders. */
export interface CompiledTemplate {
  /** Name used in error messages. */
  readonly name: string;
  /** The original template text. */
  readonly source: string;
  /** Renders over JSON data; throws only TemplateExecError. */
  render(data: unknown, options?: RenderOptions): string;
  /** Renders like {@link render}, keeping apart what the operator wrote and what came from data. */
  renderParts(data: unknown, options?: RenderOptions): OutputPart[];
  /**
   * Renders over a raw JSON body as gjson_template does: values keep their text, and a body that is
   * not a JSON object or array fails (TemplateExecError) as it does in Higress.
   */
  renderJson(body: string, options?: RenderOptions): string;
  /** The names X the template reads as `.<root>.X` of its data, from the parse tree (template/references.ts). */
  rootFields(root: string): string[];
}

/** Whether a name is a builtin, a Sprig function or a special form. */
function isBuiltinFunc(name: string): boolean {
  return Object.hasOwn(FUNCS, name) || SPECIAL_FORMS.has(name);
}

class Compiled implements CompiledTemplate {
  constructor(private readonly tree: TemplateTree, private readonly limits: ExecLimits, private readonly mode: CallMode) {}

  get name(): string {
    return this.tree.name;
  }

  get source(): string {
    return this.tree.source;
  }

  render(data: unknown, options?: RenderOptions): string {
    return execute(this.context(options), data);
  }

  renderParts(data: unknown, options?: RenderOptions): OutputPart[] {
    return executeParts(this.context(options), data);
  }

  renderJson(body: string, options?: RenderOptions): string {
    const data = parseJsonData(body);
    if (!data.ok) throw new TemplateExecError(this.tree.name, null, data.error);
    return this.render(data.value, options);
  }

  rootFields(root: string): string[] {
    return rootFieldNames(this.tree, root);
  }

  private context(options: RenderOptions | undefined): ExecContext {
    return { tree: this.tree, funcs: FUNCS, ext: options?.funcs ?? {}, limits: this.limits, mode: this.mode };
  }
}

/**
 * Parses a Go text/template once (throws TemplateSyntaxError with line/column);
 * unknown function names are rejected here unless listed in `knownFuncs`.
 */
export function parseTemplate(source: string, name = 'template', options?: ParseOptions): CompiledTemplate {
  const known = new Set(options?.knownFuncs ?? DEFAULT_KNOWN_FUNCS);
  const tree = parseTree(source, name, { isFunc: (n) => isBuiltinFunc(n) || known.has(n) });
  return new Compiled(tree, { ...DEFAULT_LIMITS, ...options?.limits }, options?.mode ?? 'strict');
}
