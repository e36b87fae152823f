/**
 * Line and column for REST-to-MCP config problems. The engine's validator reports a path such as
 * `tools[0] (get).args[0] (q).type: …` against the parsed value; here the path is looked up in the YAML
 * document's node ranges, so a pasted config's errors point at the text. YAML syntax errors carry their
 * position already (`<file>:<line>:<col>: …`).
 */
import { LineCounter, isNode, isSeq, parseDocument, type Document } from 'yaml';
import { parseRestConfigText, type CompiledRestConfig } from '../../servers/rest-to-mcp/index.js';

/** One problem, positioned where it could be. */
export interface PositionedProblem {
  readonly message: string;
  readonly line?: number;
  readonly col?: number;
}

/** The validated config, or its problems with positions. */
export type PositionedResult = { ok: true; value: CompiledRestConfig } | { ok: false; problems: PositionedProblem[] };

const FILE = 'config';

/**
 * Most tools one pasted config may declare. Validation compiles each tool's input schema on the gateway's event
 * loop (about a millisecond each, more for the registry's write check); a larger config goes through
 * `agate mcp add`, which validates in its own process.
 */
export const MAX_CONSOLE_TOOLS = 300;

/** Parses and validates a REST-to-MCP config text, positioning each problem at its line and column (1-based). */
export function checkRestConfigText(text: string): PositionedResult {
  const lines = new LineCounter();
  let doc: Document;
  let result: ReturnType<typeof parseRestConfigText>;
  try {
    doc = parseDocument(text, { lineCounter: lines });
    // Syntax errors come with their positions; the engine would only parse the text again to say the same.
    if (doc.errors.length > 0) return { ok: false, problems: doc.errors.map((e) => ({ message: e.message.split('\n', 1)[0]!, line: e.linePos?.[0].line, col: e.linePos?.[0].col })) };
    const tools = doc.get('tools', true);
    if (isSeq(tools) && tools.items.length > MAX_CONSOLE_TOOLS) {
      const at = tools.range ? lines.linePos(tools.range[0]) : undefined;
      return { ok: false, problems: [{ message: `tools: ${tools.items.length} tools; at most ${MAX_CONSOLE_TOOLS} here (use agate mcp add for larger configs)`, ...at }] };
    }
    result = parseRestConfigText(text, FILE);
  } catch (err) {
    // The yaml package throws on what it refuses outright (an alias bomb's "Excessive alias count", a stack
    // overflow on absurd nesting): a refusal of the text, not a server fault.
    return { ok: false, problems: [{ message: `not a usable YAML document: ${(err as Error).message.split('\n', 1)[0]}` }] };
  }
  if (result.ok) return result;
  return { ok: false, problems: result.errors.map((e) => position(e.startsWith(`${FILE}: `) ? e.slice(FILE.length + 2) : e, doc, lines)) };
}

function position(error: string, doc: Document, lines: LineCounter): PositionedProblem {
  const syntax = new RegExp(`^${FILE}:(\\d+):(\\d+): (.*)$`, 's').exec(error);
  if (syntax) return { message: syntax[3]!, line: Number(syntax[1]), col: Number(syntax[2]) };
  const colon = error.indexOf(': ');
  if (colon === -1) return { message: error };
  const path = pathOf(error.slice(0, colon));
  // The deepest node that exists: a missing field is reported at its parent.
  for (let n = path.length; n > 0; n--) {
    const node = doc.getIn(path.slice(0, n), true);
    if (isNode(node) && node.range) {
      const at = lines.linePos(node.range[0]);
      return { message: error, line: at.line, col: at.col };
    }
  }
  return { message: error };
}

/** `tools[0] (get).args[1] (q).type` → ['tools', 0, 'args', 1, 'type']; `(root)` → []. */
function pathOf(text: string): Array<string | number> {
  if (text === '(root)') return [];
  const path: Array<string | number> = [];
  for (const part of text.replace(/ \([^)]*\)/g, '').split('.')) {
    const m = /^([^[\]]*)((?:\[\d+\])*)$/.exec(part);
    if (!m) return path;
    if (m[1]) path.push(m[1]);
    for (const idx of m[2]!.matchAll(/\[(\d+)\]/g)) path.push(Number(idx[1]));
  }
  return path;
}
