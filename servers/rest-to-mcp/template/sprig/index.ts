// The Sprig function set (Masterminds/sprig v3, text variant) assembled from its families.
// Like Higress's gjson_template, `env` and `expandenv` are deliberately absent.
import type { FuncTable } from '../funcs.js';
import { DATE_FUNCS } from './dates.js';
import { DEFAULT_FUNCS } from './defaults.js';
import { DICT_FUNCS } from './dicts.js';
import { ENCODING_FUNCS } from './encoding.js';
import { LIST_FUNCS } from './lists.js';
import { MATH_FUNCS } from './math.js';
import { REGEX_FUNCS } from './regex.js';
import { STRING_FUNCS } from './strings.js';

/** Every Sprig function agate supports, by name. */
export const SPRIG_FUNCS: FuncTable = {
  ...STRING_FUNCS,
  ...MATH_FUNCS,
  ...LIST_FUNCS,
  ...DICT_FUNCS,
  ...DEFAULT_FUNCS,
  ...ENCODING_FUNCS,
  ...REGEX_FUNCS,
  ...DATE_FUNCS,
};
