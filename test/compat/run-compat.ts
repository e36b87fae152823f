// `npm run compat -- <dir>` (node dist/test/compat/run-compat.js <dir>): loads every REST-to-MCP config
// in <dir>, calls every tool against a loopback fake, prints a table, exits 1 on any failure.
import { formatTable, runCompat } from './compat-runner.js';

const dir = process.argv[2];
if (dir === undefined) {
  process.stderr.write('usage: run-compat <dir with Higress mcp-server YAML files>\n');
  process.exit(2);
}
const rows = await runCompat(dir);
process.stdout.write(`${formatTable(rows)}\n`);
const failed = rows.some((r) => !r.loaded || r.failures.length > 0 || r.passed !== r.tools);
process.exit(failed ? 1 : 0);
