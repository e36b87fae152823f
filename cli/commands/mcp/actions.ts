import { stringify } from 'yaml';
import { RegistryError, type McpServerSpec } from '../../../registry/index.js';
import { withRegistry, UsageError } from '../../context.js';
import { printJson, printTable } from '../../output.js';
import { buildBackend, missingMembers, specOf, storeServer, type McpAddArgs } from './add.js';
import { exportText, maskedSpec, sourceOf } from './describe.js';
import type { McpAddFlags } from './flags.js';
import { locateGateway, serverUrls, type GatewayLocation } from './gateway-client.js';
import { dropOwnedSecrets } from './secrets.js';
import { introspectionSecret } from './flags.js';
import { formatProblem, validateFile } from './validate.js';
import { eraText, shownEra } from './era-text.js';

/** Global options every action receives (`--db`). */
export interface Globals {
  db?: string;
}

/** `agate mcp add`: builds, stores and prints the server's URLs and a command to try it. */
export function addAction(args: McpAddArgs, f: McpAddFlags, globals: Globals): void {
  const { name } = args;
  const backend = buildBackend(args, f);
  const extra = introspectionSecret(name, f);
  const built = extra ? { ...backend, secrets: [...backend.secrets, extra] } : backend;
  const input = specOf(name, built, f);
  withRegistry(globals, (r) => {
    const spec = storeServer(r, { input, secrets: built.secrets, replace: f.replace === true });
    const gateway = locateGateway(r);
    const urls = serverUrls(gateway, name);
    const warnings = [...built.warnings, ...missingMembers(r, spec).map((m) => `bundle member "${m}" is not configured yet; its tools appear once it is`)];
    const secrets = built.secrets.map((s) => ({ for: s.label, secret: s.name }));
    if (f.json) return printJson({ name, kind: spec.backend.kind, summary: built.summary, urls, secrets, warnings });
    const out = [`mcp server ${name} ${f.replace ? 'stored' : 'added'}: ${built.summary}`];
    for (const s of secrets) out.push(`  stored encrypted: ${s.for} (secret ${s.secret})`);
    out.push(...urlLines(urls, gateway), `Try: npx agate mcp tools ${name}`);
    process.stdout.write(out.join('\n') + '\n');
    for (const w of warnings) process.stderr.write(`warning: ${w}\n`);
  });
}

function urlLines(urls: ReturnType<typeof serverUrls>, gateway: GatewayLocation): string[] {
  const note = gateway.source === 'default' ? '   (no gateway running: start it with `agate serve`)' : '';
  return [`  Streamable HTTP  ${urls.streamableHttp}${note}`, `  SSE              ${urls.sse}`];
}

/** `agate mcp list`. */
export function listAction(f: { json?: boolean }, globals: Globals): void {
  withRegistry(globals, (r) => {
    const gateway = locateGateway(r);
    const rows = r.mcpServers.list().map((s) => ({
      name: s.name,
      kind: s.backend.kind,
      source: sourceOf(s),
      enabled: s.enabled,
      url: serverUrls(gateway, s.name).streamableHttp,
      ...(s.description && { description: s.description }),
    }));
    if (f.json) return printJson(rows);
    printTable(rows, ['name', 'kind', 'source', 'enabled', 'url']);
  });
}

/** `agate mcp show <name>`: the spec with secrets masked, the URLs, and the protocol era the gateway learnt. */
export function showAction(name: string, f: { json?: boolean }, globals: Globals): void {
  withRegistry(globals, (r) => {
    const spec = mustGet(r.mcpServers.get(name), name);
    const urls = serverUrls(locateGateway(r), name);
    const era = shownEra(spec.backend.kind, r.memberEras.get(name));
    if (f.json) return printJson({ ...maskedSpec(r, spec), urls, era });
    process.stdout.write(stringify({ ...maskedSpec(r, spec), urls, era: eraText(era) }, { lineWidth: 0 }));
  });
}

/** `agate mcp remove <name>`: the server and the secrets `mcp add` stored for it. */
export function removeAction(name: string, globals: Globals): void {
  withRegistry(globals, (r) => {
    r.transaction(() => {
      const spec = mustGet(r.mcpServers.get(name), name);
      r.mcpServers.remove(name, 'cli');
      dropOwnedSecrets(r, spec);
    });
  });
  process.stdout.write(`mcp server ${name} removed\n`);
}

/** `agate mcp export <name>`. */
export function exportAction(name: string, f: { format?: string }, globals: Globals): void {
  const format = f.format ?? 'yaml';
  if (format !== 'yaml' && format !== 'json') throw new UsageError(`--format: must be yaml or json (got "${format}")`);
  withRegistry(globals, (r) => process.stdout.write(exportText(mustGet(r.mcpServers.get(name), name), format)));
}

/** `agate mcp validate <file>`: exit 0 when it loads, 2 with file:line:column for each problem. */
export function validateAction(file: string, f: { type?: string; baseUrl?: string; json?: boolean }): void {
  const report = validateFile(file, f.type, f.baseUrl);
  if (f.json) printJson(report);
  else if (report.ok) {
    if (report.kind === 'mcpProxy') process.stdout.write(`${file}: ok (Higress mcp-proxy ${report.name}: agate mcp add stores it as a remote MCP server)\n`);
    else process.stdout.write(`${file}: ok (${report.kind} ${report.name}, ${report.tools.length} tool${report.tools.length === 1 ? '' : 's'}: ${report.tools.join(', ')})\n`);
    for (const w of report.warnings) process.stderr.write(`warning: ${w}\n`);
  } else for (const p of report.problems) process.stderr.write(`error: ${formatProblem(file, p)}\n`);
  if (!report.ok) process.exitCode = 2;
}

function mustGet(spec: McpServerSpec | undefined, name: string): McpServerSpec {
  if (!spec) throw new RegistryError('not_found', [`mcpServer "${name}" not found (agate mcp list shows them)`]);
  return spec;
}
