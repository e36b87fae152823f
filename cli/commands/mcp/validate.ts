import { LineCounter, parseDocument, type Document } from 'yaml';
import { baseUrlProblems, openApiToRestConfig, parseOpenApiText, parseRestConfigText, validateRestConfig, type RestConfigResult } from '../../../servers/rest-to-mcp/index.js';
import { isOpenApiText, readSource } from './rest-source.js';

/** One problem in a config file, placed at the node it is about when that can be found. */
export interface ConfigProblem {
  readonly line?: number;
  readonly column?: number;
  /** `tools[2] (get_weather).args[0].type`, or '' for the whole document. */
  readonly path: string;
  readonly message: string;
}

/** What `mcp validate` found in a file. */
export type ValidationReport =
  | { readonly ok: true; readonly file: string; readonly kind: 'server' | 'toolSet' | 'mcpProxy'; readonly name: string; readonly tools: string[]; readonly warnings: readonly string[] }
  | { readonly ok: false; readonly file: string; readonly problems: ConfigProblem[] };

/** Validates a REST-to-MCP config (or, with `openapi`, an OpenAPI spec through the converter) without storing it. */
export function validateFile(file: string, type?: string, baseUrl?: string): ValidationReport {
  const text = readSource(file);
  if (type === 'openapi' || (type === undefined && isOpenApiText(text))) {
    let doc: unknown;
    try {
      doc = parseOpenApiText(text);
    } catch (err) {
      return { ok: false, file, problems: [{ path: '', message: (err as Error).message.split('\n')[0]! }] };
    }
    const converted = openApiToRestConfig(doc, { baseUrl });
    if (!converted.ok) return { ok: false, file, problems: converted.errors.map((message) => ({ path: '', message })) };
    return report(file, validateRestConfig(converted.value), undefined);
  }
  const result = parseRestConfigText(text, file);
  return withBaseUrl(report(file, result, text), result, baseUrl);
}

// A REST config's path-only URLs need the base URL `mcp add --base-url` gives: a warning without one (the file is
// a valid Higress config), an error when the given one is unusable.
function withBaseUrl(r: ValidationReport, result: RestConfigResult, baseUrl: string | undefined): ValidationReport {
  if (!r.ok || !result.ok || result.value.kind !== 'server') return r;
  const problems = baseUrlProblems(result.value, baseUrl);
  if (baseUrl === undefined) return { ...r, warnings: [...r.warnings, ...problems] };
  return problems.length === 0 ? r : { ok: false, file: r.file, problems: problems.map((p) => ({ path: '', message: `--base-url: ${p.slice('baseUrl: '.length)}` })) };
}

function report(file: string, result: RestConfigResult, text: string | undefined): ValidationReport {
  if (result.ok) {
    const c = result.value;
    const tools = c.kind === 'server' ? c.tools.map((t) => t.name) : (c.toolSet?.serverTools ?? []).flatMap((s) => s.tools.map((t) => `${s.serverName}___${t}`));
    return { ok: true, file, kind: c.kind, name: c.name, tools, warnings: c.warnings };
  }
  const located = text === undefined ? undefined : locator(text);
  return { ok: false, file, problems: result.errors.map((e) => problemOf(e.startsWith(`${file}:`) ? e.slice(file.length) : e, located)) };
}

// After the file name an error is either `:line:col: message` (YAML syntax) or `: path: message` (schema, rules).
function problemOf(rest: string, locate: ((path: string) => { line: number; column: number } | undefined) | undefined): ConfigProblem {
  const syntax = /^:(\d+):(\d+): (.*)$/s.exec(rest);
  if (syntax) return { line: Number(syntax[1]), column: Number(syntax[2]), path: '', message: syntax[3]! };
  const body = rest.replace(/^: /, '');
  const at = body.search(/: /);
  const path = at < 0 ? '' : body.slice(0, at);
  const message = at < 0 ? body : body.slice(at + 2);
  const where = path === '(root)' || path === '' ? undefined : locate?.(path);
  return { ...where, path: path === '(root)' ? '' : path, message };
}

/** Finds the line and column of a path like `tools[2] (name).args[0].type`, or of its nearest existing parent. */
function locator(text: string): (path: string) => { line: number; column: number } | undefined {
  const lines = new LineCounter();
  const doc: Document = parseDocument(text, { lineCounter: lines });
  return (path) => {
    const segments = [...path.replace(/ \([^)]*\)/g, '').matchAll(/([^.[\]]+)|\[(\d+)\]/g)].map((m) => (m[2] !== undefined ? Number(m[2]) : m[1]!));
    for (let n = segments.length; n > 0; n--) {
      const node = doc.getIn(segments.slice(0, n), true) as { range?: [number, number, number] } | undefined;
      if (node?.range) {
        const pos = lines.linePos(node.range[0]);
        return { line: pos.line, column: pos.col };
      }
    }
    return undefined;
  };
}

/** One line per problem: `file:line:col: path: message`. */
export function formatProblem(file: string, p: ConfigProblem): string {
  const where = p.line !== undefined ? `${file}:${p.line}:${p.column}` : file;
  return `${where}: ${p.path ? `${p.path}: ` : ''}${p.message}`;
}
