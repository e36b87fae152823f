// Which action outputs come from the operator rather than the caller. A URL template's literal text
// and `{{.config.*}}` values are the operator's; anything that may carry `.args` (or a value the
// template moved through a variable, a range or a sub-template) is the caller's and must not change
// the URL's structure. The test is syntactic and errs towards "caller".
import type { ArgNode, PipeNode } from './ast.js';

/** One piece of rendered output and whether the operator wrote it. */
export interface OutputPart {
  readonly text: string;
  /** True for template text and actions that read only `.config`, literals and functions of them. */
  readonly trusted: boolean;
  /** The action's source (`{{.args.q}}`), for error messages; absent for template text. */
  readonly source?: string;
}

/**
 * True when the pipeline reads nothing but `.config` (at the root dot), `$.config` (at the top
 * level), literals and function calls over those.
 */
export function isOperatorPipe(pipe: PipeNode, atRoot: boolean): boolean {
  if (pipe.decl.length > 0) return false;
  return pipe.cmds.every((cmd) => cmd.args.every((arg) => isOperatorArg(arg, atRoot)));
}

function isOperatorArg(arg: ArgNode, atRoot: boolean): boolean {
  switch (arg.kind) {
    case 'string': case 'number': case 'bool': case 'nil': case 'identifier': return true;
    case 'field': return atRoot && arg.path[0] === 'config';
    case 'variable': return atRoot && arg.name === '$' && arg.path[0] === 'config';
    case 'pipe': return isOperatorPipe(arg.pipe, atRoot);
    default: return false;
  }
}
