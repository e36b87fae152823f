// `npm run compat -- <dir>` (node dist/test/compat/run-compat.js <dir>): loads every REST-to-MCP config
// in <dir>, calls every tool against a loopback fake, prints a table, exits 1 on any failure. <dir> may also be a
// bare git mirror of higress-group/higress: then every config Higress publishes at its HEAD is checked.
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { formatTable, runCompat } from './compat-runner.js';
import { extractPublishedConfigs } from './higress-mirror.js';

const dir = process.argv[2];
if (dir === undefined) {
  process.stderr.write('usage: run-compat <dir with Higress mcp-server YAML files | bare higress-group/higress mirror>\n');
  process.exit(2);
}
const mirror = existsSync(join(dir, 'HEAD')) && existsSync(join(dir, 'objects'));
const corpus = mirror ? mkdtempSync(join(tmpdir(), 'agate-compat-')) : dir;
try {
  if (mirror) extractPublishedConfigs(dir, corpus);
  const rows = await runCompat(corpus);
  process.stdout.write(`${formatTable(rows)}\n`);
  process.exitCode = rows.some((r) => !r.loaded || r.failures.length > 0 || r.passed !== r.tools) ? 1 : 0;
} finally {
  if (mirror) rmSync(corpus, { recursive: true, force: true });
}
