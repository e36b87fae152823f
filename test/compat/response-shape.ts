// Builds a JSON document that satisfies the paths a response template reads, so the compat check can
// answer every tool "like the API's documentation" without hand-writing 200 fixtures. It reads the
// template text (actions only) and tracks range/with scopes and range variables.

type Shape = { kind: 'leaf' } | { kind: 'object'; fields: Map<string, Shape> } | { kind: 'array'; element: Shape };

const PATH = /(\$[A-Za-z0-9_]*)?((?:\.[A-Za-z_][A-Za-z0-9_]*)+)|(?<![\w)])\.(?![\w.])/g;

/** A JSON value with every field the template reads (leaves are "v", arrays hold two elements). */
export function shapeForTemplate(source: string): unknown {
  const root: Shape = { kind: 'object', fields: new Map() };
  const scopes: string[][] = [[]];
  const vars = new Map<string, string[]>();
  const blockKinds: boolean[] = [];
  for (const m of source.matchAll(/\{\{-?\s*([\s\S]*?)\s*-?\}\}/g)) {
    const action = (m[1] ?? '').replace(/"(?:[^"\\]|\\.)*"|`[^`]*`/g, '""');
    const current = scopes.at(-1) ?? []; // never empty: only a block that pushed a scope pops one
    const word = /^(\w+)/.exec(action)?.[1];
    if (word === 'end') {
      if (blockKinds.pop()) scopes.pop();
      continue;
    }
    const resolve = (prefix: string | undefined, dotted: string): string[] | undefined => {
      const segs = dotted.split('.').slice(1);
      if (prefix === undefined) return [...current, ...segs];
      if (prefix === '$') return segs;
      const bound = vars.get(prefix);
      return bound ? [...bound, ...segs] : undefined;
    };
    const indexed = /\(index\s+(\$[A-Za-z0-9_]*)?((?:\.[A-Za-z_][A-Za-z0-9_]*)+)\s+\d+\)((?:\.[A-Za-z_][A-Za-z0-9_]*)*)/.exec(action);
    if (indexed) {
      const [, prefix, dotted = '', tail = ''] = indexed;
      const base = resolve(prefix, dotted);
      if (base) addPath(root, [...base, '[]', ...tail.split('.').slice(1)]);
    }
    if (word === 'range' || word === 'with') {
      const decl = /^(?:range|with)\s+(?:(\$\w+)\s*(?:,\s*(\$\w+))?\s*:=\s*)?(\$[A-Za-z0-9_]*)?((?:\.[A-Za-z_][A-Za-z0-9_]*)+|\.)/.exec(action);
      const dotted = decl?.[4] ?? '.';
      const target = decl ? resolve(decl[3], dotted === '.' ? '' : dotted) : undefined;
      if (decl && target && !isArgsPath(target)) {
        const inner = word === 'range' ? [...target, '[]'] : target;
        addPath(root, inner);
        const valueVar = decl[2] ?? (word === 'range' ? undefined : decl[1]);
        if (valueVar) vars.set(valueVar, inner);
        scopes.push(inner);
        blockKinds.push(true);
        continue;
      }
      blockKinds.push(false);
    } else if (word === 'if' || word === 'define' || word === 'block') blockKinds.push(false);
    for (const p of action.matchAll(PATH)) {
      if (p[2] === undefined) continue;
      const path = resolve(p[1], p[2]);
      if (path && !isArgsPath(path)) addPath(root, path);
    }
    if (/^len\s/.test(action)) {
      const lenPath = /^len\s+(\$[A-Za-z0-9_]*)?((?:\.[A-Za-z_][A-Za-z0-9_]*)+)/.exec(action);
      const path = lenPath ? resolve(lenPath[1], lenPath[2] ?? '') : undefined;
      if (path) addPath(root, [...path, '[]']);
    }
  }
  return materialize(root);
}

function isArgsPath(path: string[]): boolean {
  return path[0] === 'args' || path[0] === 'config' || path[0] === '_headers';
}

function addPath(root: Shape, path: string[]): void {
  let node = root;
  for (const seg of path) {
    if (seg === '[]') {
      if (node.kind !== 'array') Object.assign(node, { kind: 'array', element: { kind: 'leaf' } });
      node = (node as { element: Shape }).element;
      continue;
    }
    if (node.kind === 'leaf') Object.assign(node, { kind: 'object', fields: new Map() });
    if (node.kind === 'array') node = node.element;
    if (node.kind !== 'object') Object.assign(node, { kind: 'object', fields: new Map() });
    const fields = (node as { fields: Map<string, Shape> }).fields;
    if (!fields.has(seg)) fields.set(seg, { kind: 'leaf' });
    node = fields.get(seg)!;
  }
}

function materialize(shape: Shape): unknown {
  if (shape.kind === 'leaf') return 'v';
  if (shape.kind === 'array') return [materialize(shape.element), materialize(shape.element)];
  return Object.fromEntries([...shape.fields].map(([k, v]) => [k, materialize(v)]));
}
