// Tree-walking evaluator. Semantics follow Go text/template as adapted by Higress's
// gjson_template: fields resolve like gjson paths, a missing path is simply absent
// (renders ""), `range` over nil runs the else branch. Work is bounded by an output
// cap, a step budget and a template-call depth limit, and every failure surfaces as
// a positioned TemplateExecError.
import type { ArgNode, CommandNode, Node, PipeNode, TemplateTree } from './ast.js';
import { FuncError, lineColumn, TemplateExecError } from './errors.js';
import type { FuncTable } from './funcs.js';
import { renderText, toText } from './go-format.js';
import { gjsonLookup } from './gjson.js';
import { isOperatorPipe, type OutputPart } from './trust.js';
import { callsLikeHigress, higressArg, higressResult } from './higress-calls.js';
import { getKey, isIntNumber, isMap, isTrue, JsonText, rangeKeys, unwrap, withMembers } from './values.js';

/** Limits applied to one render. */
export interface ExecLimits {
  /** Maximum output length in characters. */
  maxOutput: number;
  /** Maximum number of evaluation steps (nodes, commands, loop iterations). */
  maxSteps: number;
  /** Maximum nesting of `{{template}}` calls. */
  maxTemplateDepth: number;
}

/** Whose function-call convention applies: agate's (values as values) or gjson_template's (higress-calls.ts). */
export type CallMode = 'strict' | 'higress';

/** A per-call extension function (e.g. Higress's getRealIP). */
export type ExtensionFunc = (...args: unknown[]) => unknown;

/** Everything one render needs besides the data. */
export interface ExecContext {
  tree: TemplateTree;
  funcs: FuncTable;
  ext: Record<string, ExtensionFunc>;
  limits: ExecLimits;
  mode: CallMode;
}

const enum Flow { Normal, Break, Continue }

type Positioned = { pos: number; src?: string };

/** A function call as written: the function's identifier, then its argument nodes. */
type Invocation = readonly [Extract<ArgNode, { kind: 'identifier' }>, ...ArgNode[]];

function isInvocation(args: readonly ArgNode[]): args is Invocation {
  return args[0]?.kind === 'identifier';
}

/**
 * Marks "no value piped in" (Go's missingVal): the first command of a pipeline gets it, later
 * ones get the previous result, which may itself be undefined or null.
 */
const NO_FINAL: unique symbol = Symbol('no final value');

/** Resolves a field chain the way gjson resolves `a.b.0.c`. */
function resolvePath(value: unknown, path: readonly string[]): unknown {
  let v = value;
  for (const seg of path) {
    v = withMembers(unwrap(v));
    if (Array.isArray(v)) {
      if (!/^\d+$/.test(seg)) return undefined;
      v = v[Number(seg)];
    } else if (isMap(v)) {
      v = getKey(v, seg);
    } else {
      return undefined;
    }
    if (v === undefined) return undefined;
  }
  return v;
}

class Executor {
  private readonly vars: { name: string; value: unknown }[] = [];
  private readonly out: string[] = [];
  private outLen = 0;
  private steps = 0;
  private depth = 0;
  private root: unknown;
  /** Set when the caller wants to know which output the operator wrote (URL templates). */
  private parts?: OutputPart[];

  constructor(private readonly ctx: ExecContext) {}

  run(data: unknown): string {
    this.root = data;
    this.vars.push({ name: '$', value: data });
    this.walkList(data, this.ctx.tree.root);
    return this.out.join('');
  }

  runParts(data: unknown): OutputPart[] {
    this.parts = [];
    this.run(data);
    return this.parts;
  }

  fail(at: Positioned | null, msg: string): never {
    const { tree } = this.ctx;
    if (!at) throw new TemplateExecError(tree.name, null, msg);
    let context = at.src ?? '';
    if (context.length > 20) context = context.slice(0, 20) + '...';
    throw new TemplateExecError(tree.name, { ...lineColumn(tree.source, at.pos), context }, msg);
  }

  private tick(at: Positioned): void {
    if (++this.steps > this.ctx.limits.maxSteps) this.fail(at, `execution exceeded ${this.ctx.limits.maxSteps} steps`);
  }

  private write(at: Positioned, s: string, action?: { source: string; trusted: boolean }): void {
    this.outLen += s.length;
    if (this.outLen > this.ctx.limits.maxOutput) this.fail(at, `output exceeds ${this.ctx.limits.maxOutput} characters`);
    this.out.push(s);
    this.parts?.push(action === undefined ? { text: s, trusted: true } : { text: s, ...action });
  }

  private walkList(dot: unknown, list: Node[]): Flow {
    for (const node of list) {
      const flow = this.walk(dot, node);
      if (flow !== Flow.Normal) return flow;
    }
    return Flow.Normal;
  }

  private walk(dot: unknown, node: Node): Flow {
    this.tick(node);
    switch (node.kind) {
      case 'text': this.write(node, node.text); return Flow.Normal;
      case 'action': {
        // Variables declared by an action stay visible until the enclosing block ends.
        const v = this.evalPipeline(dot, node.pipe);
        if (node.pipe.decl.length === 0) this.write(node.pipe, renderText(v), this.actionOrigin(dot, node.pipe));
        return Flow.Normal;
      }
      case 'if': case 'with': return this.walkIfWith(dot, node);
      case 'range': return this.walkRange(dot, node);
      case 'template': return this.walkTemplate(dot, node);
      case 'break': return Flow.Break;
      case 'continue': return Flow.Continue;
    }
  }

  // Only tracked when rendering in parts: whether the operator wrote this action's value (trust.ts).
  private actionOrigin(dot: unknown, pipe: PipeNode): { source: string; trusted: boolean } | undefined {
    if (this.parts === undefined) return undefined;
    return { source: `{{${pipe.src}}}`, trusted: isOperatorPipe(pipe, dot === this.root && this.depth === 0) };
  }

  private walkIfWith(dot: unknown, node: Extract<Node, { kind: 'if' | 'with' }>): Flow {
    const mark = this.vars.length;
    try {
      const v = this.evalPipeline(dot, node.pipe);
      if (isTrue(v)) return this.walkList(node.kind === 'with' ? v : dot, node.list);
      return node.elseList ? this.walkList(dot, node.elseList) : Flow.Normal;
    } finally {
      this.vars.length = mark;
    }
  }

  private walkRange(dot: unknown, node: Extract<Node, { kind: 'range' }>): Flow {
    const mark = this.vars.length;
    try {
      const val = withMembers(unwrap(this.evalPipeline(dot, node.pipe)));
      const items = this.rangeItems(node, val);
      if (items.length === 0) return node.elseList ? this.walkList(dot, node.elseList) : Flow.Normal;
      const inner = this.vars.length;
      for (const [key, elem] of items) {
        this.tick(node.pipe);
        this.bindRangeVars(node.pipe, key, elem);
        const flow = this.walkList(elem, node.list);
        this.vars.length = inner;
        if (flow === Flow.Break) break;
      }
      return Flow.Normal;
    } finally {
      this.vars.length = mark;
    }
  }

  private rangeItems(node: Extract<Node, { kind: 'range' }>, val: unknown): [unknown, unknown][] {
    if (val === undefined || val === null) return [];
    if (Array.isArray(val)) return val.map((e, i) => [i, e]);
    if (isMap(val)) return rangeKeys(val).map((k) => [k, val[k]]);
    if (typeof val === 'number' && isIntNumber(val)) {
      if (node.pipe.decl.length > 1) this.fail(node.pipe, `can't use ${val} to iterate over more than one variable`);
      if (val > this.ctx.limits.maxSteps) this.fail(node.pipe, `range over ${val} exceeds the step limit`);
      return Array.from({ length: Math.max(val, 0) }, (_, i) => [i, i]);
    }
    if (typeof val === 'string') {
      const out: [unknown, unknown][] = [];
      let offset = 0;
      for (const ch of val) {
        out.push([offset, ch]);
        offset += Buffer.byteLength(ch);
      }
      return out;
    }
    return this.fail(node.pipe, `range can't iterate over ${renderText(val)}`);
  }

  private bindRangeVars(pipe: PipeNode, key: unknown, elem: unknown): void {
    const [first, second] = pipe.decl;
    if (first === undefined) return;
    const assign = (name: string, value: unknown): void => {
      if (pipe.isAssign) this.setVar(pipe, name, value);
      else this.vars.push({ name, value });
    };
    if (second === undefined) assign(first, elem);
    else {
      assign(first, key);
      assign(second, elem);
    }
  }

  private walkTemplate(dot: unknown, node: Extract<Node, { kind: 'template' }>): Flow {
    const body = this.ctx.tree.defines.get(node.name);
    if (!body) this.fail({ pos: node.pos, src: `template "${node.name}"` }, `no such template "${node.name}"`);
    if (this.depth >= this.ctx.limits.maxTemplateDepth) {
      this.fail({ pos: node.pos, src: `template "${node.name}"` }, `exceeded maximum template depth (${this.ctx.limits.maxTemplateDepth})`);
    }
    const newDot = node.pipe ? this.evalPipeline(dot, node.pipe) : undefined;
    // No dynamic scoping: the called template sees only `$` (= its dot).
    const saved = this.vars.splice(0, this.vars.length, { name: '$', value: newDot });
    this.depth++;
    try {
      this.walkList(newDot, body);
    } finally {
      this.depth--;
      this.vars.splice(0, this.vars.length, ...saved);
    }
    return Flow.Normal;
  }

  private setVar(at: Positioned, name: string, value: unknown): void {
    // Innermost binding wins, so search from the end; i stays in range.
    for (let i = this.vars.length - 1; i >= 0; i--) {
      const v = this.vars[i]!;
      if (v.name === name) {
        v.value = value;
        return;
      }
    }
    this.fail(at, `undefined variable: ${name}`);
  }

  private varValue(at: Positioned, name: string): unknown {
    for (let i = this.vars.length - 1; i >= 0; i--) {
      const v = this.vars[i]!; // innermost binding wins; i stays in range
      if (v.name === name) return v.value;
    }
    return this.fail(at, `undefined variable: ${name}`);
  }

  private evalPipeline(dot: unknown, pipe: PipeNode): unknown {
    let value: unknown = NO_FINAL;
    for (const cmd of pipe.cmds) value = this.evalCommand(dot, cmd, value);
    if (value === NO_FINAL) value = undefined; // an empty pipeline (hand-built tree) yields nothing
    for (const name of pipe.decl) {
      if (pipe.isAssign) this.setVar(pipe, name, value);
      else this.vars.push({ name, value });
    }
    return value;
  }

  private notAFunction(cmd: CommandNode, first: ArgNode, final: unknown): void {
    if (cmd.args.length > 1 || final !== NO_FINAL) this.fail(cmd, `can't give argument to non-function ${first.src}`);
  }

  /** `final` is the previous command's result in a pipeline, or NO_FINAL for the first one. */
  private evalCommand(dot: unknown, cmd: CommandNode, final: unknown): unknown {
    this.tick(cmd);
    const first = cmd.args[0];
    // The parser rejects empty commands; a hand-built tree gets Go's error instead of a TypeError.
    if (first === undefined) return this.fail(cmd, 'empty command');
    if (isInvocation(cmd.args)) return this.call(dot, cmd.args, final);
    if (first.kind === 'nil') this.fail(first, 'nil is not a command');
    this.notAFunction(cmd, first, final);
    return this.evalArg(dot, first);
  }

  private evalArg(dot: unknown, arg: ArgNode): unknown {
    switch (arg.kind) {
      case 'dot': return dot;
      case 'nil': return null;
      case 'bool': case 'number': case 'string': return arg.value;
      case 'field': return resolvePath(dot, arg.path);
      case 'variable': return resolvePath(this.varValue(arg, arg.name), arg.path);
      case 'chain': return resolvePath(this.evalArg(dot, arg.node), arg.path);
      case 'pipe': return this.evalPipeline(dot, arg.pipe);
      case 'identifier': return this.call(dot, [arg], NO_FINAL);
    }
  }

  private call(dot: unknown, inv: Invocation, final: unknown): unknown {
    const fn = inv[0];
    const name = fn.name;
    if (name === 'and' || name === 'or') return this.andOr(dot, inv, final);
    const args: unknown[] = [];
    for (let i = 1; i < inv.length; i++) args.push(this.evalArg(dot, inv[i]!)); // i stays in range
    // gjson_template passes the piped value only when it exists (`final.Exists()`).
    if (final !== NO_FINAL && !(final === undefined && this.higressCall(name))) args.push(final);
    if (name === 'gjson' && !Object.hasOwn(this.ctx.ext, name)) {
      if (args.length !== 1) this.fail(fn, `wrong number of args for gjson: want 1 got ${args.length}`);
      return gjsonLookup(dot, toText(args[0]));
    }
    return this.invoke(fn, args);
  }

  private andOr(dot: unknown, inv: Invocation, final: unknown): unknown {
    const fn = inv[0];
    const given = inv.length - 1;
    const total = given + (final !== NO_FINAL ? 1 : 0);
    if (total < 1) this.fail(fn, `wrong number of args for ${fn.name}: want at least 1 got 0`);
    let v: unknown;
    for (let i = 0; i < total; i++) {
      v = i < given ? this.evalArg(dot, inv[i + 1]!) : final; // i + 1 stays in range
      if (isTrue(v) === (fn.name === 'or')) return v;
    }
    return v;
  }

  private higressCall(name: string): boolean {
    return this.ctx.mode === 'higress' && callsLikeHigress(name);
  }

  private invoke(fn: Positioned & { name: string }, args: unknown[]): unknown {
    const name = fn.name;
    if (this.higressCall(name)) return higressResult(name, this.invokeDef(fn, args.map(higressArg)));
    return this.invokeDef(fn, args);
  }

  private invokeDef(fn: Positioned & { name: string }, args: unknown[]): unknown {
    const name = fn.name;
    const ext = Object.hasOwn(this.ctx.ext, name) ? this.ctx.ext[name] : undefined;
    if (ext) return this.guard(fn, () => ext(...args.map(unwrap)));
    const def = Object.hasOwn(this.ctx.funcs, name) ? this.ctx.funcs[name] : undefined;
    if (!def) return this.fail(fn, `function "${name}" is not available: supply it in the render options (funcs)`);
    if (args.length < def.min || args.length > def.max) {
      const want = def.min === def.max ? `${def.min}` : def.max === Infinity ? `at least ${def.min}` : `${def.min} to ${def.max}`;
      this.fail(fn, `wrong number of args for ${name}: want ${want} got ${args.length}`);
    }
    return this.guard(fn, () => def.fn(...args));
  }

  private guard(fn: Positioned & { name: string }, body: () => unknown): unknown {
    try {
      return body();
    } catch (e) {
      if (e instanceof TemplateExecError) throw e;
      // FuncError is the expected channel; anything else thrown by a function is reported the same way.
      const msg = e instanceof FuncError || e instanceof Error ? e.message : String(e);
      // gjson_template words a failed call `name: error` (evalFunction's errorf).
      return this.fail(fn, this.higressCall(fn.name) ? `${fn.name}: ${msg}` : `error calling ${fn.name}: ${msg}`);
    }
  }
}

/** Renders a parsed tree over data; throws only TemplateExecError. */
export function execute(ctx: ExecContext, data: unknown): string {
  return guarded(ctx, (ex, d) => ex.run(d), data);
}

/** Like {@link execute}, keeping the output in pieces marked operator-written or not. */
export function executeParts(ctx: ExecContext, data: unknown): OutputPart[] {
  return guarded(ctx, (ex, d) => ex.runParts(d), data);
}

function guarded<T>(ctx: ExecContext, run: (ex: Executor, data: unknown) => T, data: unknown): T {
  const ex = new Executor(ctx);
  try {
    return run(ex, data instanceof JsonText ? data.value : data);
  } catch (e) {
    if (e instanceof TemplateExecError) throw e;
    const msg = e instanceof RangeError && /call stack/i.test(e.message) ? 'template nesting too deep' : `internal error: ${e instanceof Error ? e.message : String(e)}`;
    throw new TemplateExecError(ctx.tree.name, null, msg);
  }
}
