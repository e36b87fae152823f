import type { CompiledRestConfig } from '../config/types.js';
import { jsonEncode } from '../template/go-json.js';
import { parseJsonData, type CompiledTemplate, type OutputPart } from '../template/index.js';
import { argsForTemplate } from './args.js';
import type { CallContext } from './call-context.js';

/** Everything one build needs besides the tool. */
export interface BuildInput {
  readonly config: CompiledRestConfig;
  /** `.config` for templates: the file's server.config overlaid with the operator's settings. */
  readonly configData: Readonly<Record<string, unknown>>;
  readonly args: ReadonlyMap<string, unknown>;
  readonly ctx: CallContext;
  /** The server's base URL (no trailing slash), prefixed to path-only request URLs. */
  readonly baseUrl?: string;
}

/** Template data `{config, args}` (§2.3), as direct-response tools also see it. */
export function templateData(input: BuildInput): unknown {
  const config = input.configData;
  const args = argsForTemplate(input.args);
  return input.config.agate.mode === 'higress' ? asHigressBytes(config, args) : { config, args };
}

/**
 * Higress renders request templates over bytes: `sjson.SetBytes` puts `config`, then `args`, into an empty document,
 * each as Go's `json.Marshal` writes it (keys sorted, `<>&` escaped). Reading that text back as gjson does makes
 * `{{.args}}`, `range` and Sprig's arguments see exactly what Higress's templates see.
 */
function asHigressBytes(config: unknown, args: unknown): unknown {
  const marshal = (v: unknown): string => jsonEncode(v, { sortKeys: true, escapeHtml: true });
  const data = parseJsonData(`{"config":${marshal(config)},"args":${marshal(args)}}`);
  return data.ok ? data.value : { config, args };
}

/** What a per-call template renders over: the template data and the call it belongs to. */
export interface RenderScope {
  readonly data: unknown;
  readonly ctx: CallContext;
}

/** Renders a template, turning an execution failure into Higress's message (`what` names the template in it). */
export function renderOr(tpl: CompiledTemplate, what: string, scope: RenderScope): { text?: string; error?: string } {
  try {
    return { text: tpl.render(scope.data, scope.ctx.renderOptions) };
  } catch (err) {
    return { error: `error executing ${what} template: ${(err as Error).message}` };
  }
}

/** Like {@link renderOr}, keeping operator text and caller values apart (URL templates). */
export function renderPartsOr(tpl: CompiledTemplate, what: string, scope: RenderScope): { parts?: OutputPart[]; error?: string } {
  try {
    return { parts: tpl.renderParts(scope.data, scope.ctx.renderOptions) };
  } catch (err) {
    return { error: `error executing ${what} template: ${(err as Error).message}` };
  }
}
