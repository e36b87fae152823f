// Sprig list functions (masterminds.github.io/sprig/lists.html). Results are Go
// slices (printed `[a b]`); inputs from JSON are never mutated.
import { FuncError } from '../errors.js';
import { goEqual } from '../builtins.js';
import { checkSize, def, isEmpty, toInt64, toList, type FuncTable } from '../funcs.js';
import { goList, unwrap } from '../values.js';

function uniq(list: unknown[]): unknown[] {
  const out: unknown[] = [];
  for (const v of list) if (!out.some((o) => goEqual(o, v))) out.push(v);
  return out;
}

function chunk(size: unknown, list: unknown): unknown[][] {
  const n = toInt64(size);
  const l = toList(list, 'chunk');
  if (n <= 0) throw new FuncError('chunk size must be positive');
  const out: unknown[][] = [];
  for (let i = 0; i < l.length; i += n) out.push(goList(l.slice(i, i + n)));
  return goList(out);
}

/** Sprig's list family (`slice` is served by the builtin, which handles lists and strings). */
export const LIST_FUNCS: FuncTable = {
  list: def(0, Infinity, (...a) => goList(a.map(unwrap))),
  tuple: def(0, Infinity, (...a) => goList(a.map(unwrap))),
  first: def(1, 1, (l) => toList(l, 'find first')[0] ?? null),
  last: def(1, 1, (l) => {
    const a = toList(l, 'find last');
    return a.length ? a[a.length - 1] : null;
  }),
  rest: def(1, 1, (l) => goList(toList(l, 'find rest').slice(1))),
  initial: def(1, 1, (l) => goList(toList(l, 'find initial').slice(0, -1))),
  append: def(2, 2, (l, v) => goList([...toList(l, 'append'), unwrap(v)])),
  push: def(2, 2, (l, v) => goList([...toList(l, 'push'), unwrap(v)])),
  prepend: def(2, 2, (l, v) => goList([unwrap(v), ...toList(l, 'prepend')])),
  concat: def(0, Infinity, (...ls) => {
    const out = ls.flatMap((l) => toList(l, 'concat'));
    checkSize(out.length, 'concat');
    return goList(out);
  }),
  reverse: def(1, 1, (l) => goList([...toList(l, 'reverse')].reverse())),
  uniq: def(1, 1, (l) => goList(uniq(toList(l, 'uniq')))),
  has: def(2, 2, (needle, hay) => toList(hay, 'has').some((v) => goEqual(v, needle))),
  without: def(1, Infinity, (l, ...omit) => goList(toList(l, 'without').filter((v) => !omit.some((o) => goEqual(v, o))))),
  compact: def(1, 1, (l) => goList(toList(l, 'compact').filter((v) => !isEmpty(v)))),
  chunk: def(2, 2, chunk),
};
