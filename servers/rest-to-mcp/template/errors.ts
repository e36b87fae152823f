/** A 1-based line and column (in UTF-16 code units) in a template's source. */
export interface SourcePosition {
  line: number;
  column: number;
}

/** Where a render failed: the position of the node being executed and its source text (Go's `at <...>`). */
export interface ExecSite extends SourcePosition {
  context: string;
}

/** Converts a character offset in `source` into a 1-based line and column. */
export function lineColumn(source: string, offset: number): SourcePosition {
  let line = 1;
  let lineStart = 0;
  const end = Math.min(Math.max(offset, 0), source.length);
  for (let i = 0; i < end; i++) {
    if (source.charCodeAt(i) === 10) {
      line++;
      lineStart = i + 1;
    }
  }
  return { line, column: end - lineStart + 1 };
}

/** A template that cannot be parsed; the message follows Go's `template: name:line:col: msg` shape. */
export class TemplateSyntaxError extends Error {
  override readonly name = 'TemplateSyntaxError';
  /** Name the template was parsed under (e.g. `url`, `body`). */
  readonly templateName: string;
  /** 1-based line of the offending token. */
  readonly line: number;
  /** 1-based column (in UTF-16 code units) of the offending token. */
  readonly column: number;
  /** The bare description without the location prefix. */
  readonly detail: string;

  constructor(templateName: string, at: SourcePosition, detail: string) {
    super(`template: ${templateName}:${at.line}:${at.column}: ${detail}`);
    this.templateName = templateName;
    this.line = at.line;
    this.column = at.column;
    this.detail = detail;
  }
}

/** A failure while rendering; the only error `render` ever throws. */
export class TemplateExecError extends Error {
  override readonly name = 'TemplateExecError';
  /** Name of the template that was executing. */
  readonly templateName: string;
  /** 1-based line of the node being executed, or 0 when unknown. */
  readonly line: number;
  /** 1-based column of the node being executed, or 0 when unknown. */
  readonly column: number;
  /** The bare description without the location prefix. */
  readonly detail: string;

  /** `at` is null when the failure has no position (limits, internal errors). */
  constructor(templateName: string, at: ExecSite | null, detail: string) {
    const where = at ? `${templateName}:${at.line}:${at.column}` : templateName;
    const ctx = at?.context ? `executing "${templateName}" at <${at.context}>: ` : '';
    super(`template: ${where}: ${ctx}${detail}`);
    this.templateName = templateName;
    this.line = at?.line ?? 0;
    this.column = at?.column ?? 0;
    this.detail = detail;
  }
}

/**
 * Thrown by template functions (builtins, Sprig, extensions' wrappers) to report a failure;
 * the evaluator catches it and rethrows a positioned TemplateExecError.
 */
export class FuncError extends Error {
  override readonly name = 'FuncError';
}
