import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { packageRoot } from '../../../registry/index.js';
import { errors, gatewayError, GatewayError, type ErrorCode } from '../../../server/errors/index.js';

interface DocRow {
  code: string;
  status: number;
  flag: string;
  meaning: string;
  todo: string;
}

const docs = readFileSync(join(packageRoot(), 'docs', 'errors.md'), 'utf8');

/** Table rows whose first cell is a code: `| \`GW_ERR_X\` | 404 | \`NR\` | meaning | what to do |`. */
function documentedRows(): DocRow[] {
  return docs
    .split('\n')
    .filter((line) => /^\|\s*`GW_ERR_/.test(line))
    .map((line) => {
      const cells = line.split('|').slice(1, -1).map((c) => c.trim());
      expect(cells, line).toHaveLength(5);
      const [code, status, flag, meaning, todo] = cells as [string, string, string, string, string];
      return { code: code.replace(/`/g, ''), status: Number(status), flag: flag.replace(/`/g, ''), meaning, todo };
    });
}

/** Flags explained in the "Flags" table. */
function documentedFlags(): Set<string> {
  const section = docs.slice(docs.indexOf('## Flags'), docs.indexOf('\n## ', docs.indexOf('## Flags') + 1));
  return new Set([...section.matchAll(/^\|\s*`([A-Z]+)`\s*\|/gm)].map((m) => m[1]!));
}

const catalogue = Object.entries(errors);
const rows = documentedRows();

describe('error catalogue', () => {
  it('is not empty and the docs table parses', () => {
    expect(catalogue.length).toBeGreaterThan(10);
    expect(rows.length).toBeGreaterThan(10);
  });

  it.each(catalogue)('%s: its code equals its key, with a sane status, flag and template', (key, def) => {
    expect(def.code).toBe(key);
    expect(def.code).toMatch(/^GW_ERR_[A-Z0-9_]+$/);
    expect(def.status).toBeGreaterThanOrEqual(400);
    expect(def.status).toBeLessThan(600);
    expect(def.flag).toMatch(/^[A-Z]{2,5}$/);
    expect(def.template.length).toBeGreaterThan(0);
    expect(Object.isFrozen(def)).toBe(true);
  });

  it.each(catalogue)('%s is documented once in docs/errors.md with the same status and flag', (key, def) => {
    const documented = rows.filter((r) => r.code === key);
    expect(documented).toHaveLength(1);
    expect(documented[0]).toMatchObject({ status: def.status, flag: def.flag });
    expect(documented[0]!.meaning.length).toBeGreaterThan(10);
    expect(documented[0]!.todo.length).toBeGreaterThan(10);
  });

  it.each(rows.map((r) => [r.code, r] as const))('documented %s exists in the catalogue', (code, row) => {
    expect(Object.keys(errors)).toContain(code);
    expect(documentedFlags()).toContain(row.flag);
  });

  it('every flag the catalogue uses is explained', () => {
    const flags = documentedFlags();
    for (const [, def] of catalogue) expect(flags, def.code).toContain(def.flag);
  });

  it('builds errors from the catalogue with their message filled in', () => {
    const e = gatewayError('GW_ERR_UPSTREAM_TIMEOUT', 'pool', 250);
    expect(e).toBeInstanceOf(GatewayError);
    expect(e).toMatchObject({ code: 'GW_ERR_UPSTREAM_TIMEOUT', status: 504, flag: 'UT', message: 'Upstream pool did not answer within 250 ms' });
    const code: ErrorCode = 'GW_ERR_NO_ROUTE';
    expect(gatewayError(code, 'GET', '/x').message).toBe('No route matches GET /x');
  });
});
