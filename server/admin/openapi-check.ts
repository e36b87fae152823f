/**
 * A pasted OpenAPI 3.0/3.1 spec turned into a REST-to-MCP config the way `agate mcp add <name> <file> --type
 * openapi` does (openApiToRestConfig, then the engine's validation), with each problem placed at a line and column
 * of the spec where one can be found: YAML syntax errors at their own position, a problem naming a `$ref` at that
 * reference, a missing base URL at servers[0].url, a problem of a generated tool at its operation's `operationId`
 * (the tool's name).
 */
import { LineCounter, isNode, isScalar, parseDocument, visit, type Document } from 'yaml';
import { openApiToRestConfig, validateRestConfig, type CompiledRestConfig } from '../../servers/rest-to-mcp/index.js';
import { MAX_CONSOLE_TOOLS, type PositionedProblem } from './rest-config-positions.js';

/** How to convert: the server's name, a base URL for a spec without an absolute one, hosts the SSRF guard lets through. */
export interface OpenApiOptions {
  /** The server's name (default: the spec's title, kebab-cased). */
  readonly name?: string;
  /** As `--base-url`: replaces servers[0].url. */
  readonly baseUrl?: string;
  /** As `--allow-host`: private hosts the generated tools may call (agate.allowHosts). */
  readonly allowHosts?: readonly string[];
}

/** The validated config and the conversion's warnings, or the problems with positions. */
export type OpenApiCheck = { ok: true; value: CompiledRestConfig; warnings: readonly string[] } | { ok: false; problems: PositionedProblem[] };

/** Converts and validates an OpenAPI text (YAML or JSON). */
export function checkOpenApiText(text: string, options: OpenApiOptions): OpenApiCheck {
  const lines = new LineCounter();
  let doc: Document;
  let spec: unknown;
  try {
    doc = parseDocument(text, { lineCounter: lines });
    if (doc.errors.length > 0) return { ok: false, problems: doc.errors.map((e) => ({ message: e.message.split('\n', 1)[0]!, line: e.linePos?.[0].line, col: e.linePos?.[0].col })) };
    spec = doc.toJS({ maxAliasCount: 1000 });
  } catch (err) {
    // An alias bomb or absurd nesting: the yaml package refuses the text outright.
    return { ok: false, problems: [{ message: `not a usable YAML or JSON document: ${(err as Error).message.split('\n', 1)[0]}` }] };
  }
  const at = (message: string, ...anchors: Anchor[]) => placed({ doc, lines, message }, anchors);
  const converted = openApiToRestConfig(spec, { baseUrl: options.baseUrl, serverName: options.name });
  // The converter speaks to the CLI; here the base URL is the body's (the console's form field).
  const words = (e: string) => e.replace('pass --base-url', 'give baseUrl (the base URL the operations are called at)');
  if (!converted.ok) return { ok: false, problems: converted.errors.map((e) => at(words(e), ...anchorsOf(e))) };
  const config = converted.value as { tools?: unknown[]; agate?: Record<string, unknown> };
  if ((config.tools?.length ?? 0) > MAX_CONSOLE_TOOLS) {
    return { ok: false, problems: [at(`paths: ${config.tools!.length} operations; at most ${MAX_CONSOLE_TOOLS} here (use agate mcp add for larger specs)`, ['paths'])] };
  }
  if (options.allowHosts?.length) config.agate = { ...config.agate, allowHosts: [...options.allowHosts] };
  const result = validateRestConfig(config);
  if (!result.ok) return { ok: false, problems: result.errors.map((e) => at(`generated config: ${e}`, ...anchorsOf(e, config.tools))) };
  return { ok: true, value: result.value, warnings: converted.warnings.map((w) => { const p = at(w, ...anchorsOf(w)); return p.line ? `${p.line}:${p.col}: ${w}` : w; }) };
}

/**
 * What to look for in the spec for a problem's message: the `$ref` it names, the `servers` or `openapi` key it is
 * about, or the operationId of the generated tool it names (`tools[3] (getPet)…`, `getPet: …`).
 */
function anchorsOf(message: string, tools?: unknown[]): Anchor[] {
  const ref = /\$ref (\S+)/.exec(message)?.[1];
  const servers = /servers\[0\]\.url|^no absolute servers/.test(message) ? [['servers', 0, 'url'], ['servers']] : [];
  const version = /"openapi" version/.test(message) ? [['openapi']] : [];
  const index = /^tools\[(\d+)\]/.exec(message)?.[1];
  const tool = index !== undefined ? (tools?.[Number(index)] as { name?: string } | undefined)?.name : /^([A-Za-z0-9_.-]+): /.exec(message)?.[1];
  return [ref, ...servers, ...version, tool];
}

/** Where to look: a path in the document, or a scalar value to find anywhere in it. */
type Anchor = Array<string | number> | string | undefined;

/** `message` at the first anchor found. */
function placed(where: { doc: Document; lines: LineCounter; message: string }, anchors: Anchor[]): PositionedProblem {
  const { doc, lines, message } = where;
  for (const anchor of anchors) {
    if (!anchor) continue;
    const node = Array.isArray(anchor) ? doc.getIn(anchor, true) : undefined;
    let offset = isNode(node) && node.range ? node.range[0] : undefined;
    if (offset === undefined && typeof anchor === 'string') {
      visit(doc, {
        Scalar(_key, node) {
          if (isScalar(node) && node.value === anchor && node.range) {
            offset = node.range[0];
            return visit.BREAK;
          }
        },
      });
    }
    if (offset !== undefined) return { message, ...lines.linePos(offset) };
  }
  return { message };
}
