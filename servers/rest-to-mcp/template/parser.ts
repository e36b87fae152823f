// Recursive-descent parser for Go text/template, following the structure and the
// error wording of Go's text/template/parse/parse.go (see pkg.go.dev/text/template).
import type { ArgNode, CommandNode, Node, PipeNode, TemplateTree } from './ast.js';
import { lineColumn, TemplateSyntaxError } from './errors.js';
import { describeToken as describe, lex, type Token, type TokenType } from './lexer.js';
import { goCharValue, goUnquote, parseGoNumber } from './literals.js';

/** Nesting limit for control structures and parentheses, so hostile input cannot exhaust the stack. */
const MAX_PARSE_DEPTH = 200;

/** Options for {@link parseTree}. */
export interface ParseTreeOptions {
  /** Predicate telling whether an identifier names a callable function. */
  isFunc: (name: string) => boolean;
}

type ListEnd = { type: 'end' | 'else' | 'eof'; token: Token };

class Parser {
  private readonly tokens: Token[];
  private i = 0;
  private vars: string[] = ['$'];
  private rangeDepth = 0;
  private depth = 0;
  readonly defines = new Map<string, Node[]>();

  constructor(private readonly name: string, private readonly source: string, private readonly opts: ParseTreeOptions) {
    this.tokens = lex(source);
  }

  fail(token: Token, msg: string): never {
    throw new TemplateSyntaxError(this.name, lineColumn(this.source, token.pos), msg);
  }

  private unexpected(token: Token, context: string): never {
    if (token.type === 'error') this.fail(token, token.val);
    this.fail(token, `unexpected ${describe(token)} in ${context}`);
  }

  // lex() always ends the stream with an eof token, so the array is never empty.
  private eof(): Token {
    return this.tokens[this.tokens.length - 1]!;
  }

  private next(): Token {
    const t = this.tokens[this.i] ?? this.eof();
    if (this.i < this.tokens.length) this.i++;
    return t;
  }

  private peek(): Token {
    return this.tokens[this.i] ?? this.eof();
  }

  /** The token next() returned most recently. */
  private previous(): Token {
    return this.tokens[this.i - 1] ?? this.eof();
  }

  private nextNonSpace(): Token {
    let t = this.next();
    while (t.type === 'space') t = this.next();
    return t;
  }

  private peekNonSpace(): Token {
    const save = this.i;
    const t = this.nextNonSpace();
    this.i = save;
    return t;
  }

  private expect(type: TokenType, context: string): Token {
    const t = this.nextNonSpace();
    if (t.type !== type) this.unexpected(t, context);
    return t;
  }

  private enter(token: Token): void {
    if (++this.depth > MAX_PARSE_DEPTH) this.fail(token, 'max expression depth exceeded');
  }

  /** Parses the whole input into the main list, collecting `define` blocks. */
  parse(): Node[] {
    const root: Node[] = [];
    for (;;) {
      const t = this.peek();
      if (t.type === 'eof') return root;
      if (t.type === 'leftDelim') {
        const save = this.i;
        this.next();
        if (this.nextNonSpace().type === 'define') {
          this.parseDefinition();
          continue;
        }
        this.i = save;
      }
      const n = this.textOrAction();
      if (n === 'end' || n === 'else') this.fail(this.previous(), `unexpected {{${n}}}`);
      if (n) root.push(n);
    }
  }

  private parseDefinition(): void {
    const nameTok = this.nextNonSpace();
    if (nameTok.type !== 'string' && nameTok.type !== 'rawString') this.unexpected(nameTok, 'define clause');
    const name = this.unquote(nameTok);
    this.expect('rightDelim', 'define clause');
    this.parseDefinedBody(nameTok, name);
  }

  /** The body of `define`/`block` up to its `end`, with a fresh variable scope, registered under `name`. */
  private parseDefinedBody(nameTok: Token, name: string): void {
    const saved = this.vars;
    this.vars = ['$'];
    const { list, end } = this.itemList();
    this.vars = saved;
    if (end.type !== 'end') this.fail(end.token, `unexpected ${end.type === 'eof' ? 'EOF' : '{{else}}'}`);
    this.addDefine(nameTok, name, list);
  }

  private addDefine(at: Token, name: string, list: Node[]): void {
    const prev = this.defines.get(name);
    // Go allows redefinition only when one of the bodies is empty.
    if (prev && prev.length > 0 && list.length > 0) this.fail(at, `template: multiple definition of template "${name}"`);
    if (!prev || list.length > 0) this.defines.set(name, list);
  }

  /** Parses nodes until `{{end}}`, `{{else}}` or EOF. */
  private itemList(): { list: Node[]; end: ListEnd } {
    const list: Node[] = [];
    for (;;) {
      const t = this.peek();
      if (t.type === 'eof') return { list, end: { type: 'eof', token: t } };
      const n = this.textOrAction();
      if (n === 'end' || n === 'else') return { list, end: { type: n, token: this.previous() } };
      if (n) list.push(n);
    }
  }

  /** Parses text, a comment or an action; returns 'end'/'else' markers for those keywords. */
  private textOrAction(): Node | null | 'end' | 'else' {
    const t = this.next();
    switch (t.type) {
      case 'text': return { kind: 'text', pos: t.pos, text: t.val };
      case 'comment': return null;
      case 'leftDelim': return this.action();
      case 'error': return this.fail(t, t.val);
      default: return this.unexpected(t, 'input');
    }
  }

  private action(): Node | 'end' | 'else' {
    const t = this.peekNonSpace();
    const keyword = (): Token => this.nextNonSpace();
    switch (t.type) {
      case 'block': return this.blockControl(keyword());
      case 'break': return this.loopControl(keyword(), 'break');
      case 'continue': return this.loopControl(keyword(), 'continue');
      case 'else': keyword(); return this.elseControl();
      case 'end': keyword(); this.expect('rightDelim', 'end'); return 'end';
      case 'if': return this.control(keyword(), 'if');
      case 'range': return this.control(keyword(), 'range');
      case 'template': return this.templateControl(keyword());
      case 'with': return this.control(keyword(), 'with');
      default: break;
    }
    const pipe = this.pipeline('command', 'rightDelim');
    return { kind: 'action', pos: pipe.pos, pipe };
  }

  private loopControl(t: Token, word: 'break' | 'continue'): Node {
    const tok = this.nextNonSpace();
    if (tok.type !== 'rightDelim') this.unexpected(tok, `{{${word}}}`);
    if (this.rangeDepth === 0) this.fail(t, `{{${word}}} outside {{range}}`);
    return { kind: word, pos: t.pos };
  }

  private elseControl(): 'else' {
    const peek = this.peekNonSpace();
    // "{{else if ...}}" / "{{else with ...}}": leave the keyword pending for control().
    if (peek.type === 'if' || peek.type === 'with') return 'else';
    const tok = this.nextNonSpace();
    if (tok.type !== 'rightDelim') this.unexpected(tok, 'else');
    return 'else';
  }

  private control(t: Token, context: 'if' | 'range' | 'with'): Node {
    this.enter(t);
    const mark = this.vars.length;
    const pipe = this.pipeline(context, 'rightDelim');
    if (context === 'range') this.rangeDepth++;
    const { list, end } = this.itemList();
    if (context === 'range') this.rangeDepth--;
    let elseList: Node[] | null = null;
    if (end.type === 'else') {
      const chained = this.peekNonSpace();
      if ((context === 'if' && chained.type === 'if') || (context === 'with' && chained.type === 'with')) {
        const kw = this.nextNonSpace();
        // {{else if x}} is {{else}}{{if x}}...{{end}}{{end}} sharing one {{end}}.
        elseList = [this.control(kw, context)];
      } else {
        const rest = this.itemList();
        elseList = rest.list;
        if (rest.end.type !== 'end') this.fail(rest.end.token, `expected end; found ${rest.end.type === 'eof' ? 'EOF' : '{{else}}'}`);
      }
    } else if (end.type === 'eof') {
      this.fail(end.token, 'unexpected EOF');
    }
    this.vars.length = mark;
    this.depth--;
    return { kind: context, pos: t.pos, pipe, list, elseList };
  }

  private templateControl(t: Token): Node {
    const nameTok = this.nextNonSpace();
    if (nameTok.type !== 'string' && nameTok.type !== 'rawString') this.unexpected(nameTok, 'template clause');
    const name = this.unquote(nameTok);
    let pipe: PipeNode | null = null;
    if (this.peekNonSpace().type !== 'rightDelim') pipe = this.pipeline('template clause', 'rightDelim');
    else this.nextNonSpace();
    return { kind: 'template', pos: t.pos, name, pipe };
  }

  private blockControl(t: Token): Node {
    const nameTok = this.nextNonSpace();
    if (nameTok.type !== 'string' && nameTok.type !== 'rawString') this.unexpected(nameTok, 'block clause');
    const name = this.unquote(nameTok);
    const pipe = this.pipeline('block clause', 'rightDelim');
    this.parseDefinedBody(nameTok, name);
    return { kind: 'template', pos: t.pos, name, pipe };
  }

  /** Parses a pipeline up to `end`, including `$x :=` / `$i, $v :=` declarations. */
  private pipeline(context: string, end: 'rightDelim' | 'rightParen'): PipeNode {
    const first = this.peekNonSpace();
    const pipe: PipeNode = { pos: first.pos, src: '', decl: [], isAssign: false, cmds: [] };
    this.declarations(pipe, context);
    for (;;) {
      const t = this.nextNonSpace();
      if (t.type === end) {
        this.checkPipeline(pipe, context, t);
        pipe.src = this.source.slice(first.pos, t.pos).trim();
        return pipe;
      }
      switch (t.type) {
        case 'bool': case 'charConstant': case 'dot': case 'field': case 'identifier': case 'number':
        case 'nil': case 'rawString': case 'string': case 'variable': case 'leftParen':
          this.i--;
          pipe.cmds.push(this.command());
          break;
        default:
          this.unexpected(t, context);
      }
    }
  }

  private declarations(pipe: PipeNode, context: string): void {
    for (;;) {
      const v = this.peekNonSpace();
      if (v.type !== 'variable') return;
      const save = this.i;
      this.nextNonSpace();
      const next = this.peekNonSpace();
      if (next.type === 'assign' || next.type === 'declare') {
        pipe.isAssign = next.type === 'assign';
        this.nextNonSpace();
        this.declare(pipe, v);
        return;
      }
      if (next.type === 'char' && next.val === ',') {
        this.nextNonSpace();
        this.declare(pipe, v);
        if (context === 'range' && pipe.decl.length < 2) {
          const p = this.peekNonSpace().type;
          if (p === 'variable' || p === 'rightDelim' || p === 'rightParen') continue;
          this.fail(this.peekNonSpace(), 'range can only initialize variables');
        }
        this.fail(next, `too many declarations in ${context}`);
      }
      this.i = save;
      return;
    }
  }

  private declare(pipe: PipeNode, v: Token): void {
    pipe.decl.push(v.val);
    if (pipe.isAssign) {
      if (!this.vars.includes(v.val)) this.fail(v, `undefined variable "${v.val}"`);
    } else {
      this.vars.push(v.val);
    }
  }

  private checkPipeline(pipe: PipeNode, context: string, at: Token): void {
    if (pipe.cmds.length === 0) this.fail(at, `missing value for ${context}`);
    for (const [k, cmd] of pipe.cmds.entries()) {
      if (k === 0) continue; // only later stages receive the previous result
      const kind = cmd.args[0]?.kind;
      if (kind === 'bool' || kind === 'dot' || kind === 'nil' || kind === 'number' || kind === 'string') {
        this.fail(at, `non executable command in pipeline stage ${k + 1}`);
      }
    }
  }

  private command(): CommandNode {
    const start = this.peekNonSpace();
    const cmd: CommandNode = { pos: start.pos, src: '', args: [] };
    let endPos = start.pos;
    for (;;) {
      this.peekNonSpace();
      const operand = this.operand();
      if (operand) {
        cmd.args.push(operand);
        endPos = operand.pos + operand.src.length;
      }
      const t = this.next();
      if (t.type === 'space') continue;
      if (t.type === 'rightDelim' || t.type === 'rightParen') {
        this.i--;
        break;
      }
      if (t.type === 'pipe') break;
      this.unexpected(t, 'operand');
    }
    if (cmd.args.length === 0) this.fail(start, 'empty command');
    cmd.src = this.source.slice(start.pos, endPos);
    return cmd;
  }

  private operand(): ArgNode | null {
    const node = this.term();
    if (!node) return null;
    if (this.peek().type !== 'field') return node;
    if (node.kind === 'bool' || node.kind === 'string' || node.kind === 'number' || node.kind === 'nil' || node.kind === 'dot') {
      this.fail(this.peek(), `unexpected . after term "${node.src}"`);
    }
    const path: string[] = [];
    let end = node.pos + node.src.length;
    while (this.peek().type === 'field') {
      const f = this.next();
      path.push(f.val.slice(1));
      end = f.pos + f.val.length;
    }
    const src = this.source.slice(node.pos, end);
    // Fields and variables simply grow their path; anything else becomes a chain node.
    if (node.kind === 'field' || node.kind === 'variable') return { ...node, src, path: [...node.path, ...path] };
    return { kind: 'chain', pos: node.pos, src, node, path };
  }

  private term(): ArgNode | null {
    const t = this.nextNonSpace();
    switch (t.type) {
      case 'identifier':
        if (!this.opts.isFunc(t.val)) this.fail(t, `function "${t.val}" not defined`);
        return { kind: 'identifier', pos: t.pos, src: t.val, name: t.val };
      case 'dot': return { kind: 'dot', pos: t.pos, src: '.' };
      case 'nil': return { kind: 'nil', pos: t.pos, src: 'nil' };
      case 'variable': return this.variable(t);
      case 'field': return { kind: 'field', pos: t.pos, src: t.val, path: [t.val.slice(1)] };
      case 'bool': return { kind: 'bool', pos: t.pos, src: t.val, value: t.val === 'true' };
      case 'charConstant': case 'number': return this.number(t);
      case 'leftParen': return this.paren(t);
      case 'string': case 'rawString': return { kind: 'string', pos: t.pos, src: t.val, value: this.unquote(t) };
      default:
        this.i--;
        return null;
    }
  }

  private paren(t: Token): ArgNode {
    this.enter(t);
    const pipe = this.pipeline('parenthesized pipeline', 'rightParen');
    this.depth--;
    const close = this.previous();
    return { kind: 'pipe', pos: t.pos, src: this.source.slice(t.pos, close.pos + 1), pipe };
  }

  private variable(t: Token): ArgNode {
    if (!this.vars.includes(t.val)) this.fail(t, `undefined variable "${t.val}"`);
    return { kind: 'variable', pos: t.pos, src: t.val, name: t.val, path: [] };
  }

  private number(t: Token): ArgNode {
    if (t.type === 'charConstant') {
      const cp = goCharValue(t.val);
      if (cp === null) this.fail(t, `malformed character constant: ${t.val}`);
      return { kind: 'number', pos: t.pos, src: t.val, value: cp };
    }
    if (t.val.endsWith('i')) this.fail(t, `complex constants are not supported: ${t.val}`);
    const v = parseGoNumber(t.val);
    if (v === null) this.fail(t, `illegal number syntax: ${JSON.stringify(t.val)}`);
    return { kind: 'number', pos: t.pos, src: t.val, value: v };
  }

  private unquote(t: Token): string {
    if (t.type === 'rawString') return t.val.slice(1, -1).replaceAll('\r', '');
    const s = goUnquote(t.val);
    if (s === null) this.fail(t, 'invalid syntax');
    return s;
  }
}

/** Parses template source into a tree; throws TemplateSyntaxError with Go-style messages. */
export function parseTree(source: string, name: string, opts: ParseTreeOptions): TemplateTree {
  const p = new Parser(name, source, opts);
  const root = p.parse();
  return { name, source, root, defines: p.defines };
}
