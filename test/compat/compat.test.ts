import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { formatTable, runCompat } from './compat-runner.js';

// The corpus lives outside the repo (CI mounts it at ../shared/compat); the check runs when it is there.
const CORPUS = ['../shared/compat/higress-mcp-servers', '/work/shared/compat/higress-mcp-servers'].find((d) => existsSync(d));

describe.runIf(CORPUS !== undefined)('Higress REST-to-MCP corpus', () => {
  it('loads every config and renders every tool call with the request Higress would build', async () => {
    const rows = await runCompat(CORPUS!);
    const failures = rows.flatMap((r) => r.failures.map((f) => `${r.file}: ${f}`));
    expect(failures, formatTable(rows)).toEqual([]);
    expect(rows.every((r) => r.loaded && r.passed === r.tools)).toBe(true);
  }, 120_000);
});
