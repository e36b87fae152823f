/** Converts a character offset in `source` into a 1-based line and column. */
export function lineColumn(source: string, offset: number): { line: number; column: number } {
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

  constructor(templateName: string, line: number, column: number, detail: string) {
    super(`template: ${templateName}:${line}:${column}: ${detail}`);
    this.templateName = templateName;
    this.line = line;
    this.column = column;
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

  constructor(templateName: string, line: number, column: number, context: string, detail: string) {
    const where = line > 0 ? `${templateName}:${line}:${column}` : templateName;
    const ctx = context ? `executing "${templateName}" at <${context}>: ` : '';
    super(`template: ${where}: ${ctx}${detail}`);
    this.templateName = templateName;
    this.line = line;
    this.column = column;
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
