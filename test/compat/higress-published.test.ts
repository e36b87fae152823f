import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadRestConfigFile } from '../../servers/rest-to-mcp/index.js';
import { formatTable, runCompat } from './compat-runner.js';
import { tempDir } from '../helpers/temp-dir.js';
import { extractPublishedConfigs, HIGRESS_MIRROR } from './higress-mirror.js';

// CI has only the 39 configs in ../shared/compat (compat.test.ts); with a Higress mirror at hand this checks
// every config Higress publishes, so a new upstream construct shows up as soon as the mirror is refreshed.
describe.skipIf(HIGRESS_MIRROR === undefined)('every config Higress publishes (needs a higress-group/higress mirror; skipped without one)', () => {
  const dir = tempDir('agate-higress-published-');
  afterAll(() => dir.cleanup());

  it('loads unchanged', async () => {
    const files = extractPublishedConfigs(HIGRESS_MIRROR!, dir.dir);
    expect(files.length).toBeGreaterThanOrEqual(50);
    const refused: string[] = [];
    for (const file of files) {
      const loaded = await loadRestConfigFile(join(dir.dir, file));
      if (!loaded.ok) refused.push(...loaded.errors);
    }
    expect(refused).toEqual([]);
  }, 60_000);

  it('renders every tool call with the request Higress would build (hackmd through a base URL)', async () => {
    const rows = await runCompat(dir.dir);
    const failures = rows.flatMap((r) => r.failures.map((f) => `${r.file}: ${f}`));
    expect(failures, formatTable(rows)).toEqual([]);
    expect(rows.every((r) => r.loaded && r.passed === r.tools)).toBe(true);
  }, 120_000);
});
