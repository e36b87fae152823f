import type { CompiledRestConfig } from '../config/types.js';
import type { CompiledTemplate, OutputPart } from '../template/index.js';
import { argsForTemplate } from './args.js';
import { templateFuncs, type CallContext } from './call-context.js';

/** Everything one build needs besides the tool. */
export interface BuildInput {
  readonly config: CompiledRestConfig;
  /** `.config` for templates: the file's server.config overlaid with the operator's settings. */
  readonly configData: Readonly<Record<string, unknown>>;
  readonly args: ReadonlyMap<string, unknown>;
  readonly ctx: CallContext;
}

/** Template data `{config, args}` (§2.3), as direct-response tools also see it. */
export function templateData(input: BuildInput): Record<string, unknown> {
  return { config: input.configData, args: argsForTemplate(input.args) };
}

/** Renders a template, turning an execution failure into Higress's message. */
export function renderOr(tpl: CompiledTemplate, data: unknown, what: string, ctx: CallContext): { text?: string; error?: string } {
  try {
    return { text: tpl.render(data, { funcs: templateFuncs(ctx) }) };
  } catch (err) {
    return { error: `error executing ${what} template: ${(err as Error).message}` };
  }
}


/** Like {@link renderOr}, keeping operator text and caller values apart (URL templates). */
export function renderPartsOr(tpl: CompiledTemplate, data: unknown, what: string, ctx: CallContext): { parts?: OutputPart[]; error?: string } {
  try {
    return { parts: tpl.renderParts(data, { funcs: templateFuncs(ctx) }) };
  } catch (err) {
    return { error: `error executing ${what} template: ${(err as Error).message}` };
  }
}
