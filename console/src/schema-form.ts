import { field, h } from './dom.js';

/** A JSON Schema property, as far as the form needs it. */
interface Prop {
  type?: string | string[];
  description?: string;
  enum?: unknown[];
  default?: unknown;
}

/** A form for a tool's `inputSchema`, and how to read the arguments back out of it. */
export interface SchemaForm {
  readonly fields: HTMLElement[];
  /** The arguments object; throws an Error naming the field when one cannot be read. */
  read(): Record<string, unknown>;
}

/**
 * One control per property: text (or a select for an enum), number, checkbox, or a JSON text area for objects,
 * arrays and anything else. Required properties are marked `required`; empty optional ones are left out.
 */
export function schemaForm(schema: { properties?: Record<string, Prop>; required?: string[] } | undefined, idPrefix: string): SchemaForm {
  const required = new Set(schema?.required ?? []);
  const readers: Array<(out: Record<string, unknown>) => void> = [];
  const fields = Object.entries(schema?.properties ?? {}).map(([name, prop]) => {
    const { control, read } = controlFor(prop, required.has(name));
    control.id = `${idPrefix}-${name}`;
    readers.push((out) => {
      const value = read();
      if (value !== undefined) out[name] = value;
      else if (required.has(name)) throw new Error(`${name}: required`);
    });
    const type = Array.isArray(prop.type) ? prop.type.join(' | ') : (prop.type ?? 'any');
    return field(`${name}${required.has(name) ? ' *' : ''} (${type})`, control, prop.description);
  });
  return {
    fields,
    read() {
      const out: Record<string, unknown> = {};
      for (const r of readers) r(out);
      return out;
    },
  };
}

function controlFor(prop: Prop, required: boolean): { control: HTMLElement; read: () => unknown } {
  const type = Array.isArray(prop.type) ? prop.type.find((t) => t !== 'null') : prop.type;
  if (prop.enum) {
    const select = h('select', { required }, h('option', { value: '' }, '—'), ...prop.enum.map((v, i) => h('option', { value: String(i) }, JSON.stringify(v))));
    return { control: select, read: () => (select.value === '' ? undefined : prop.enum![Number(select.value)]) };
  }
  if (type === 'boolean') {
    const box = h('input', { type: 'checkbox', checked: prop.default === true });
    return { control: box, read: () => box.checked };
  }
  if (type === 'number' || type === 'integer') {
    const input = h('input', { type: 'number', step: type === 'integer' ? '1' : 'any', required, value: typeof prop.default === 'number' ? prop.default : undefined });
    return { control: input, read: () => (input.value === '' ? undefined : Number(input.value)) };
  }
  if (type === 'string') {
    const input = h('input', { type: 'text', required, value: typeof prop.default === 'string' ? prop.default : undefined });
    return { control: input, read: () => (input.value === '' && !required ? undefined : input.value || undefined) };
  }
  const area = h('textarea', { rows: 3, class: 'code', placeholder: 'JSON', required });
  return { control: area, read: () => readJson(area) };
}

function readJson(area: HTMLTextAreaElement): unknown {
  if (area.value.trim() === '') return undefined;
  try {
    return JSON.parse(area.value);
  } catch (err) {
    throw new Error(`${area.id.split('-').slice(2).join('-')}: not valid JSON (${(err as Error).message})`);
  }
}
