// Tokeniser for Go text/template syntax with the default `{{ }}` delimiters.
// It mirrors the token set and error wording of Go's text/template/parse/lex.go
// so that syntax errors read the same as Higress's, and adds one extension:
// `.a.0.b` lexes as a field chain (gjson_template resolves fields as gjson paths).

/** Token kinds; keywords have their own kind so the parser can switch on them. */
export type TokenType =
  | 'error' | 'bool' | 'char' | 'charConstant' | 'assign' | 'declare' | 'eof' | 'field'
  | 'identifier' | 'leftDelim' | 'leftParen' | 'number' | 'pipe' | 'rawString' | 'rightDelim'
  | 'rightParen' | 'space' | 'string' | 'text' | 'variable' | 'comment'
  | 'block' | 'break' | 'continue' | 'dot' | 'define' | 'else' | 'end' | 'if' | 'nil'
  | 'range' | 'template' | 'with';

/** One lexed token; `pos` is a character offset into the source. */
export interface Token {
  type: TokenType;
  val: string;
  pos: number;
}

const KEYWORDS: Record<string, TokenType> = {
  '.': 'dot', block: 'block', break: 'break', continue: 'continue', define: 'define',
  else: 'else', end: 'end', if: 'if', range: 'range', nil: 'nil', template: 'template', with: 'with',
};

const LEFT = '{{';
const RIGHT = '}}';

/** Whether `c` is a Go template space (space, tab, CR, LF). */
function isSpace(c: string | undefined): boolean {
  return c === ' ' || c === '\t' || c === '\r' || c === '\n';
}

/** Whether `c` is a letter, digit or underscore (Unicode-aware like Go's isAlphaNumeric). */
function isAlphaNumeric(c: string | undefined): boolean {
  if (c === undefined || c === '') return false;
  const code = c.charCodeAt(0);
  if (code < 128) {
    return c === '_' || (code >= 48 && code <= 57) || (code >= 65 && code <= 90) || (code >= 97 && code <= 122);
  }
  return /[\p{L}\p{Nd}]/u.test(c);
}

/** Formats a character like Go's `%#U`: `U+002D '-'` (the quoted form only when printable). */
function goRuneName(c: string): string {
  const cp = c.codePointAt(0) ?? 0;
  const hex = `U+${cp.toString(16).toUpperCase().padStart(4, '0')}`;
  const printable = cp >= 0x20 && cp !== 0x7f && !(cp >= 0x80 && cp < 0xa0);
  return printable ? `${hex} '${c}'` : hex;
}

class Lexer {
  readonly tokens: Token[] = [];
  private pos = 0;
  private start = 0;
  private parenDepth = 0;
  constructor(private readonly input: string) {}

  run(): Token[] {
    while (this.lexText()) {
      if (!this.lexAction()) break;
    }
    return this.tokens;
  }

  private emit(type: TokenType, val?: string): void {
    this.tokens.push({ type, val: val ?? this.input.slice(this.start, this.pos), pos: this.start });
    this.start = this.pos;
  }

  private fail(msg: string): false {
    this.tokens.push({ type: 'error', val: msg, pos: this.start });
    return false;
  }

  /** Scans text up to the next `{{`; returns false at end of input. */
  private lexText(): boolean {
    const at = this.input.indexOf(LEFT, this.pos);
    if (at < 0) {
      this.pos = this.input.length;
      if (this.pos > this.start) this.emit('text');
      this.tokens.push({ type: 'eof', val: '', pos: this.pos });
      return false;
    }
    let textEnd = at;
    if (this.hasLeftTrim(at + LEFT.length)) {
      while (textEnd > this.start && isSpace(this.input[textEnd - 1])) textEnd--;
    }
    this.pos = textEnd;
    if (textEnd > this.start) this.emit('text');
    this.pos = at;
    this.start = at;
    return true;
  }

  private hasLeftTrim(i: number): boolean {
    return this.input[i] === '-' && isSpace(this.input[i + 1]);
  }

  /** Returns [atDelim, trimAfter] for a right delimiter at the current position. */
  private atRightDelim(): [boolean, boolean] {
    const rest = this.input.startsWith(RIGHT, this.pos);
    if (rest) return [true, false];
    if (isSpace(this.input[this.pos]) && this.input[this.pos + 1] === '-' && this.input.startsWith(RIGHT, this.pos + 2)) {
      return [true, true];
    }
    return [false, false];
  }

  /** Lexes one `{{ ... }}` action (or comment); false when lexing must stop. */
  private lexAction(): boolean {
    this.pos += LEFT.length;
    const trim = this.hasLeftTrim(this.pos);
    const afterMarker = trim ? 2 : 0;
    if (this.input.startsWith('/*', this.pos + afterMarker)) {
      this.pos += afterMarker;
      this.start = this.pos;
      return this.lexComment();
    }
    this.emit('leftDelim', LEFT);
    this.pos += afterMarker;
    this.start = this.pos;
    this.parenDepth = 0;
    return this.lexInsideAction();
  }

  private lexComment(): boolean {
    const end = this.input.indexOf('*/', this.pos + 2);
    if (end < 0) return this.fail('unclosed comment');
    this.pos = end + 2;
    const [delim, trim] = this.atRightDelim();
    if (!delim) return this.fail('comment ends before closing delimiter');
    this.emit('comment');
    this.pos += (trim ? 2 : 0) + RIGHT.length;
    if (trim) this.skipSpaces();
    this.start = this.pos;
    return true;
  }

  private skipSpaces(): void {
    while (isSpace(this.input[this.pos])) this.pos++;
  }

  private lexInsideAction(): boolean {
    for (;;) {
      const [delim, trim] = this.atRightDelim();
      if (delim) {
        if (this.parenDepth !== 0) return this.fail('unclosed left paren');
        if (trim) this.pos += 2;
        this.start = this.pos;
        this.pos += RIGHT.length;
        this.emit('rightDelim', RIGHT);
        if (trim) {
          this.skipSpaces();
          this.start = this.pos;
        }
        return true;
      }
      if (!this.lexActionToken()) return false;
    }
  }

  /** Lexes one token inside an action. */
  private lexActionToken(): boolean {
    const c = this.input[this.pos];
    if (c === undefined) return this.fail('unclosed action');
    if (isSpace(c)) return this.lexSpace();
    this.pos++;
    switch (c) {
      case '=': this.emit('assign'); return true;
      case ':':
        if (this.input[this.pos] !== '=') return this.fail('expected :=');
        this.pos++;
        this.emit('declare');
        return true;
      case '|': this.emit('pipe'); return true;
      case '"': return this.lexQuote();
      case '`': return this.lexRawQuote();
      case '$': return this.lexFieldOrVariable('variable');
      case "'": return this.lexChar();
      case '(': this.parenDepth++; this.emit('leftParen'); return true;
      case ')':
        this.parenDepth--;
        if (this.parenDepth < 0) return this.fail('unexpected right paren');
        this.emit('rightParen');
        return true;
      case '.': return this.lexDot();
      default: break;
    }
    if (c === '+' || c === '-' || (c >= '0' && c <= '9')) {
      this.pos--;
      return this.lexNumber();
    }
    const full = String.fromCodePoint(this.input.codePointAt(this.pos - 1) ?? 0);
    if (isAlphaNumeric(full)) {
      this.pos = this.pos - 1 + full.length;
      return this.lexIdentifier();
    }
    const code = c.charCodeAt(0);
    if (code < 128 && code >= 32 && code !== 127) {
      this.emit('char');
      return true;
    }
    return this.fail(`unrecognized character in action: ${goRuneName(full)}`);
  }

  private lexSpace(): boolean {
    while (isSpace(this.input[this.pos])) this.pos++;
    // A lone space before "-}}" belongs to the trim marker, not to the token stream.
    if (this.input[this.pos] === '-' && this.input.startsWith(RIGHT, this.pos + 1)) {
      this.pos--;
      if (this.pos === this.start) return true;
    }
    this.emit('space');
    return true;
  }

  /** `.` starts a field, the dot itself, or a number such as `.5`; `.0` right after a field continues the chain. */
  private lexDot(): boolean {
    const next = this.input[this.pos];
    const isDigit = next !== undefined && next >= '0' && next <= '9';
    if (!isDigit || this.chainContinues()) return this.lexFieldOrVariable('field');
    this.pos--;
    return this.lexNumber();
  }

  private chainContinues(): boolean {
    const prev = this.tokens[this.tokens.length - 1];
    if (!prev || prev.pos + prev.val.length !== this.start) return false;
    return prev.type === 'field' || prev.type === 'variable' || prev.type === 'rightParen' || prev.type === 'identifier';
  }

  private atTerminator(): boolean {
    const c = this.input[this.pos];
    if (c === undefined || isSpace(c)) return true;
    if ('.,|:)('.includes(c)) return true;
    return this.input.startsWith(RIGHT, this.pos);
  }

  private scanAlphaNumeric(): void {
    for (;;) {
      const cp = this.input.codePointAt(this.pos);
      if (cp === undefined) return;
      const ch = String.fromCodePoint(cp);
      if (!isAlphaNumeric(ch)) return;
      this.pos += ch.length;
    }
  }

  private badCharHere(): false {
    const cp = this.input.codePointAt(this.pos) ?? 0;
    return this.fail(`bad character ${goRuneName(String.fromCodePoint(cp))}`);
  }

  private lexFieldOrVariable(type: 'field' | 'variable'): boolean {
    if (this.atTerminator()) {
      this.emit(type === 'variable' ? 'variable' : 'dot');
      return true;
    }
    this.scanAlphaNumeric();
    if (!this.atTerminator()) return this.badCharHere();
    this.emit(type);
    return true;
  }

  private lexIdentifier(): boolean {
    this.scanAlphaNumeric();
    if (!this.atTerminator()) return this.badCharHere();
    const word = this.input.slice(this.start, this.pos);
    const kw = KEYWORDS[word];
    if (kw && Object.hasOwn(KEYWORDS, word)) this.emit(kw);
    else if (word === 'true' || word === 'false') this.emit('bool');
    else this.emit('identifier');
    return true;
  }

  private lexChar(): boolean {
    for (;;) {
      const c = this.input[this.pos++];
      if (c === '\\') {
        if (this.input[this.pos] !== undefined && this.input[this.pos] !== '\n') this.pos++;
        continue;
      }
      if (c === undefined || c === '\n') return this.fail('unterminated character constant');
      if (c === "'") break;
    }
    this.emit('charConstant');
    return true;
  }

  private lexQuote(): boolean {
    for (;;) {
      const c = this.input[this.pos++];
      if (c === '\\') {
        if (this.input[this.pos] !== undefined && this.input[this.pos] !== '\n') this.pos++;
        continue;
      }
      if (c === undefined || c === '\n') return this.fail('unterminated quoted string');
      if (c === '"') break;
    }
    this.emit('string');
    return true;
  }

  private lexRawQuote(): boolean {
    const end = this.input.indexOf('`', this.pos);
    if (end < 0) return this.fail('unterminated raw quoted string');
    this.pos = end + 1;
    this.emit('rawString');
    return true;
  }

  private lexNumber(): boolean {
    if (!this.scanNumber()) return this.fail(`bad number syntax: "${this.input.slice(this.start, this.pos)}"`);
    this.emit('number');
    return true;
  }

  private accept(valid: string): boolean {
    const c = this.input[this.pos];
    if (c !== undefined && valid.includes(c)) {
      this.pos++;
      return true;
    }
    return false;
  }

  private acceptRun(valid: string): void {
    while (this.accept(valid));
  }

  private scanNumber(): boolean {
    this.accept('+-');
    let digits = '0123456789_';
    if (this.accept('0')) {
      if (this.accept('xX')) digits = '0123456789abcdefABCDEF_';
      else if (this.accept('oO')) digits = '01234567_';
      else if (this.accept('bB')) digits = '01_';
    }
    this.acceptRun(digits);
    if (this.accept('.')) this.acceptRun(digits);
    if (digits.length === 11 && this.accept('eE')) {
      this.accept('+-');
      this.acceptRun('0123456789_');
    }
    if (digits.length === 23 && this.accept('pP')) {
      this.accept('+-');
      this.acceptRun('0123456789_');
    }
    this.accept('i');
    if (isAlphaNumeric(this.input[this.pos])) {
      this.pos++;
      return false;
    }
    return true;
  }
}

/** Splits template source into tokens; lexing stops at the first `error` token. */
export function lex(input: string): Token[] {
  return new Lexer(input).run();
}

const KEYWORD_TYPES = new Set<TokenType>([
  'block', 'break', 'continue', 'dot', 'define', 'else', 'end', 'if', 'nil', 'range', 'template', 'with',
]);

/** Describes a token the way Go's item.String() does, for error messages. */
export function describeToken(t: Token): string {
  if (t.type === 'eof') return 'EOF';
  if (t.type === 'error') return t.val;
  if (KEYWORD_TYPES.has(t.type)) return `<${t.val}>`;
  const chars = [...t.val];
  if (chars.length > 10) return `${JSON.stringify(chars.slice(0, 10).join(''))}...`;
  return JSON.stringify(t.val);
}
