// Syntax tree for parsed templates. Every node keeps its source offset (`pos`) so
// runtime errors can report line and column, and argument nodes keep their source
// text (`src`) for the `executing "name" at <...>` context Go prints.

/** An operand inside a command. */
export type ArgNode =
  | { kind: 'field'; pos: number; src: string; path: string[] }
  | { kind: 'variable'; pos: number; src: string; name: string; path: string[] }
  | { kind: 'chain'; pos: number; src: string; node: ArgNode; path: string[] }
  | { kind: 'dot'; pos: number; src: string }
  | { kind: 'nil'; pos: number; src: string }
  | { kind: 'bool'; pos: number; src: string; value: boolean }
  | { kind: 'number'; pos: number; src: string; value: number }
  | { kind: 'string'; pos: number; src: string; value: string }
  | { kind: 'identifier'; pos: number; src: string; name: string }
  | { kind: 'pipe'; pos: number; src: string; pipe: PipeNode };

/** A command: a function or value followed by arguments. */
export interface CommandNode {
  pos: number;
  src: string;
  args: ArgNode[];
}

/** A pipeline with optional variable declarations (`$x := ...`) or assignments (`$x = ...`). */
export interface PipeNode {
  pos: number;
  src: string;
  decl: string[];
  isAssign: boolean;
  cmds: CommandNode[];
}

/** A node that produces output or controls flow. */
export type Node =
  | { kind: 'text'; pos: number; text: string }
  | { kind: 'action'; pos: number; pipe: PipeNode }
  | { kind: 'if' | 'with'; pos: number; pipe: PipeNode; list: Node[]; elseList: Node[] | null }
  | { kind: 'range'; pos: number; pipe: PipeNode; list: Node[]; elseList: Node[] | null }
  | { kind: 'template'; pos: number; name: string; pipe: PipeNode | null }
  | { kind: 'break' | 'continue'; pos: number };

/** A parsed template file: the main tree plus any `define`/`block` sub-templates. */
export interface TemplateTree {
  name: string;
  source: string;
  root: Node[];
  defines: Map<string, Node[]>;
}
