/** A JSON Schema (or any OpenAPI object) as plain JSON. */
export type Json = Record<string, unknown>;

const MAX_DEPTH = 32;

/**
 * Replaces every local `$ref` (`#/components/...`, `#/$defs/...`) with a copy of its target, because
 * LLM providers reject `$ref` in tool schemas. A reference to a schema already being expanded (a
 * cycle) becomes `{type: object, description: "recursive <Name>"}`, cutting the loop; so does
 * nesting deeper than 32 levels. External references are reported, not fetched.
 */
export function inlineRefs(root: Json, value: unknown, problems: string[]): unknown {
  return inline({ root, problems }, value, []);
}

/** The document references resolve against, and where problems are reported. */
interface RefDocument {
  readonly root: Json;
  readonly problems: string[];
}

/** `stack` holds the references being expanded on the way down to `value`. */
function inline(doc: RefDocument, value: unknown, stack: string[]): unknown {
  const { root, problems } = doc;
  if (Array.isArray(value)) return value.map((v) => inline(doc, v, stack));
  if (value === null || typeof value !== 'object') return value;
  const obj = value as Json;
  if (typeof obj.$ref === 'string') {
    const ref = obj.$ref;
    const name = ref.split('/').pop() ?? ref;
    if (!ref.startsWith('#')) {
      problems.push(`external $ref ${ref} is not supported; inline it first`);
      return { type: 'object', description: `unresolved ${ref}` };
    }
    if (stack.includes(ref) || stack.length >= MAX_DEPTH) return { type: 'object', description: `recursive ${name}` };
    const target = resolvePointer(root, ref);
    if (target === undefined) {
      problems.push(`$ref ${ref} does not resolve`);
      return { type: 'object', description: `unresolved ${ref}` };
    }
    // Siblings of $ref (3.1 allows description next to it) override the target's.
    const { $ref: _ignored, ...siblings } = obj;
    const resolved = inline(doc, target, [...stack, ref]) as Json;
    return { ...resolved, ...(inline(doc, siblings, stack) as Json) };
  }
  const out: Json = {};
  for (const [k, v] of Object.entries(obj)) {
    if (k === '$defs' || k === 'definitions') continue; // inlined where used
    out[k] = inline(doc, v, stack);
  }
  return out;
}

function resolvePointer(root: Json, ref: string): unknown {
  let node: unknown = root;
  for (const raw of ref.slice(1).split('/').filter((s) => s !== '')) {
    const key = decodeURIComponent(raw).replace(/~1/g, '/').replace(/~0/g, '~');
    if (node === null || typeof node !== 'object') return undefined;
    node = (node as Json)[key];
  }
  return node;
}
