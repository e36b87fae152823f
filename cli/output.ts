/** Prints `value` as indented JSON. */
export function printJson(value: unknown): void {
  process.stdout.write(JSON.stringify(value, null, 2) + '\n');
}

/** Prints rows as an aligned text table with the given columns (header in upper case). */
export function printTable(rows: Array<Record<string, unknown>>, columns: string[]): void {
  process.stdout.write(tableLines(rows, columns).join('\n') + '\n');
}

/** The lines of {@link printTable}'s table, for output that embeds one. */
export function tableLines(rows: Array<Record<string, unknown>>, columns: string[]): string[] {
  const cells = rows.map((r) => columns.map((c) => cellText(r[c])));
  const widths = columns.map((c, i) => Math.max(c.length, ...cells.map((row) => row[i]!.length)));
  const line = (values: string[]) => values.map((v, i) => v.padEnd(widths[i]!)).join('  ').trimEnd();
  const lines = [line(columns.map((c) => c.toUpperCase())), ...cells.map(line)];
  if (rows.length === 0) lines.push('(none)');
  return lines;
}

function cellText(v: unknown): string {
  if (v === undefined || v === null) return '-';
  if (Array.isArray(v)) return v.join(',');
  if (typeof v === 'object') return JSON.stringify(v);
  return String(v);
}

/** Prints an object as `key: value` lines. */
export function printFields(obj: Record<string, unknown>): void {
  const width = Math.max(...Object.keys(obj).map((k) => k.length));
  for (const [k, v] of Object.entries(obj)) process.stdout.write(`${k.padEnd(width)}  ${cellText(v)}\n`);
}
