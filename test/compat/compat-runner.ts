import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { parse as parseYaml } from 'yaml';
import { createRestMcpServer, loadRestConfigFile, type CompiledRestConfig } from '../../servers/rest-to-mcp/index.js';
import { startUpstream, type LoopbackUpstream } from '../helpers/loopback-upstream.js';
import { connectPair } from '../servers/shared/mcp-pair.js';
import { argValuesFor } from './arg-values.js';
import { compareRequest, expectedRequest, type RawTool, type ReceivedRequest } from './expected-request.js';
import { shapeForTemplate } from './response-shape.js';

/** One config's outcome. */
export interface CompatRow {
  file: string;
  loaded: boolean;
  tools: number;
  listed: number;
  passed: number;
  failures: string[];
}

const CONFIG_BASE = 'https://config-base.compat.test';

// Every request's header lines as sent (duplicates kept), parallel to fake.requests.
const rawHeaders: string[][] = [];

/** Loads every config in `dir`, lists its tools and calls each one against a loopback fake. */
export async function runCompat(dir: string): Promise<CompatRow[]> {
  let reply: unknown = {};
  rawHeaders.length = 0;
  const fake = await startUpstream('compat', (req, res) => {
    rawHeaders.push(req.rawHeaders);
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify(reply));
  });
  try {
    const rows: CompatRow[] = [];
    const files = readdirSync(dir).filter((f) => /\.(ya?ml|json)$/.test(f)).sort();
    for (const file of files) rows.push(await runFile(join(dir, file), file, fake, (r) => (reply = r)));
    return rows;
  } finally {
    await fake.close();
  }
}

async function runFile(path: string, file: string, fake: LoopbackUpstream, setReply: (r: unknown) => void): Promise<CompatRow> {
  const loaded = await loadRestConfigFile(path);
  if (!loaded.ok) return { file, loaded: false, tools: 0, listed: 0, passed: 0, failures: [...loaded.errors] };
  const config = loaded.value;
  const settings = settingsFor(config);
  // The oracle reads the file itself, not agate's compiled form.
  const rawDoc = parseYaml(readFileSync(path, 'utf8')) as { server?: { config?: Record<string, unknown> }; tools?: RawTool[] };
  const rawTools = new Map((rawDoc.tools ?? []).map((t) => [t.name, t]));
  const configData = { ...rawDoc.server?.config, ...settings };
  // Path-only URLs (Higress: the route's upstream) go to a base URL the fake answers for.
  const baseUrl = config.tools.some((t) => t.request?.pathOnly) ? CONFIG_BASE : undefined;
  const server = createRestMcpServer(config, { settings, originOverrides: overridesFor(config, fake.url), baseUrl });
  const pair = await connectPair(server);
  const row: CompatRow = { file, loaded: true, tools: config.tools.length, listed: 0, passed: 0, failures: [] };
  try {
    const listed = await pair.client.listTools();
    row.listed = listed.tools.length;
    if (row.listed !== row.tools) row.failures.push(`tools/list gave ${row.listed} tools, config has ${row.tools}`);
    for (const tool of config.tools) {
      const args = argValuesFor(tool);
      setReply(tool.responseBody ? shapeForTemplate(tool.responseBody.source) : { data: { value: 'v' } });
      const before = fake.requests.length;
      const result = (await pair.call(tool.name, args)) as CallToolResult;
      const problems: string[] = [];
      const text = result.content[0]?.type === 'text' ? result.content[0].text : '';
      if (result.isError) problems.push(`isError: ${text.slice(0, 300)}`);
      else if (text === '') problems.push('empty result');
      if (tool.request !== undefined) {
        const got = fake.requests.slice(before);
        const [only] = got;
        if (only === undefined || got.length !== 1) problems.push(`${got.length} upstream requests, want 1`);
        else problems.push(...oracleCheck(rawTools.get(tool.name)!, configData, args, { ...only, rawHeaders: rawHeaders[before] ?? [] }));
      }
      if (problems.length === 0) row.passed++;
      else row.failures.push(...problems.map((p) => `${tool.name}: ${p}`));
    }
  } finally {
    await pair.close();
  }
  return row;
}

function oracleCheck(tool: RawTool, config: Record<string, unknown>, args: Record<string, unknown>, got: ReceivedRequest): string[] {
  try {
    return compareRequest(expectedRequest(tool, config, args), got);
  } catch (err) {
    return [(err as Error).message];
  }
}

// Every key the templates read (declared or not): URL-like ones point at the fake, the rest get recognisable values.
function settingsFor(config: CompiledRestConfig): Record<string, string> {
  const names = new Set([...Object.keys(config.config), ...config.configRefs]);
  return Object.fromEntries([...names].map((k) => [k, /url$/i.test(k) ? CONFIG_BASE : `cfg-${k}`]));
}

// Every literal origin in a URL template, with templated host labels turned into a '*' wildcard.
function overridesFor(config: CompiledRestConfig, target: string): Record<string, string> {
  const overrides: Record<string, string> = { [CONFIG_BASE]: target };
  for (const tool of config.tools) {
    const [, scheme, authority] = /^(https?):\/\/([^/?#]+)/.exec(tool.request?.url.source ?? '') ?? [];
    if (scheme === undefined || authority === undefined || authority.startsWith('{{')) continue;
    const labels = authority.replace(/\{\{.*?\}\}/g, '\0').split('.');
    const host = authority.includes('{{') ? `*.${labels.filter((l) => !l.includes('\0')).join('.')}` : authority;
    overrides[`${scheme}://${host}`] = target;
  }
  return overrides;
}

/** The table `npm run compat` prints. */
export function formatTable(rows: readonly CompatRow[]): string {
  const lines = ['file                                                   load  tools  listed  passed', '-'.repeat(82)];
  for (const r of rows) {
    lines.push(`${r.file.padEnd(54)} ${(r.loaded ? 'ok' : 'FAIL').padEnd(5)} ${String(r.tools).padStart(5)}  ${String(r.listed).padStart(6)}  ${String(r.passed).padStart(6)}`);
  }
  const tools = rows.reduce((n, r) => n + r.tools, 0);
  const passed = rows.reduce((n, r) => n + r.passed, 0);
  lines.push('-'.repeat(82), `configs loaded: ${rows.filter((r) => r.loaded).length}/${rows.length}; tool calls passed: ${passed}/${tools}`);
  for (const r of rows) for (const f of r.failures) lines.push(`  ${r.file}: ${f}`);
  return lines.join('\n');
}
