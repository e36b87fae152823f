import type { ArgNode, Node, PipeNode, TemplateTree } from './ast.js';

/** A walk over one tree: the root name looked for, and the names found so far. */
interface Walk {
  readonly root: string;
  readonly found: Set<string>;
}

/** Where a field is read: whether dot is the data root there, and how many names its path needs at least. */
interface At {
  readonly dotIsRoot: boolean;
  readonly length: number;
}

/**
 * The names X a template reads as `.<root>.X` of its data, in first-use order, found on the parse tree (not the
 * text: a string literal or a comment that spells `.config.X` reads nothing). Counted: `.root.X` where dot is
 * still the data (outside `with`/`range` bodies, which move it), `$.root.X` anywhere, and `index .root "X"`.
 * `define`d templates are walked as if called with the data (a conservative guess: they usually are).
 */
export function rootFieldNames(tree: TemplateTree, root: string): string[] {
  const walk: Walk = { root, found: new Set() };
  nodes(walk, tree.root, true);
  for (const list of tree.defines.values()) nodes(walk, list, true);
  return [...walk.found];
}

function nodes(walk: Walk, list: readonly Node[] | null, dotIsRoot: boolean): void {
  for (const node of list ?? []) {
    switch (node.kind) {
      case 'action':
        pipe(walk, node.pipe, dotIsRoot);
        break;
      case 'if':
        pipe(walk, node.pipe, dotIsRoot);
        nodes(walk, node.list, dotIsRoot);
        nodes(walk, node.elseList, dotIsRoot);
        break;
      case 'with':
      case 'range':
        // Inside the body dot is the pipeline's value; the else branch keeps the outer dot (Go text/template).
        pipe(walk, node.pipe, dotIsRoot);
        nodes(walk, node.list, false);
        nodes(walk, node.elseList, dotIsRoot);
        break;
      case 'template':
        if (node.pipe) pipe(walk, node.pipe, dotIsRoot);
        break;
      default:
        break;
    }
  }
}

function pipe(walk: Walk, p: PipeNode, dotIsRoot: boolean): void {
  for (const cmd of p.cmds) {
    const [head, target, key] = cmd.args;
    // `index .config "X"` / `index $.config "X"`: the function form of `.config.X`.
    if (head?.kind === 'identifier' && head.name === 'index' && target && key?.kind === 'string' && readsRoot(walk, target, { dotIsRoot, length: 1 })) walk.found.add(key.value);
    for (const arg of cmd.args) argument(walk, arg, dotIsRoot);
  }
}

function argument(walk: Walk, arg: ArgNode, dotIsRoot: boolean): void {
  if (arg.kind === 'pipe') return pipe(walk, arg.pipe, dotIsRoot);
  if (arg.kind === 'chain') return argument(walk, arg.node, dotIsRoot);
  if ((arg.kind === 'field' || arg.kind === 'variable') && readsRoot(walk, arg, { dotIsRoot, length: 2 })) walk.found.add(arg.path[1]!);
}

/** Whether `arg` is a field path that starts at `.<root>` of the data, with at least `length` names. */
function readsRoot(walk: Walk, arg: ArgNode, at: At): boolean {
  const { dotIsRoot, length } = at;
  if (arg.kind === 'field') return dotIsRoot && arg.path.length >= length && arg.path[0] === walk.root;
  if (arg.kind === 'variable') return arg.name === '$' && arg.path.length >= length && arg.path[0] === walk.root;
  return false;
}
