/**
 * Line and column for REST-to-MCP config problems. The engine's validator reports a path such as
 * `tools[0] (get).args[0] (q).type: …` against the parsed value; here the path is looked up in the YAML
 * document's node ranges, so a pasted config's errors point at the text. YAML syntax errors carry their
 * position already (`<file>:<line>:<col>: …`).
 */
import { LineCounter, isNode, parseDocument, type Document } from 'yaml';
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

/** Parses and validates a REST-to-MCP config text, positioning each problem at its line and column (1-based). */
export function checkRestConfigText(text: string): PositionedResult {
  const result = parseRestConfigText(text, FILE);
  if (result.ok) return result;
  const lines = new LineCounter();
  let doc: Document | undefined;
  try {
    doc = parseDocument(text, { lineCounter: lines });
  } catch {
    doc = undefined;
  }
  return { ok: false, problems: result.errors.map((e) => position(e.startsWith(`${FILE}: `) ? e.slice(FILE.length + 2) : e, doc, lines)) };
}

function position(error: string, doc: Document | undefined, lines: LineCounter): PositionedProblem {
  const syntax = new RegExp(`^${FILE}:(\\d+):(\\d+): (.*)$`, 's').exec(error);
  if (syntax) return { message: syntax[3]!, line: Number(syntax[1]), col: Number(syntax[2]) };
  const colon = error.indexOf(': ');
  if (colon === -1 || !doc) return { message: error };
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
