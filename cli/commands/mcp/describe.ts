import { stringify } from 'yaml';
import { maskMcpServer, type McpServerSpec, type Registry } from '../../../registry/index.js';
import { exportConfig, validateRestConfig } from '../../../servers/rest-to-mcp/index.js';
import { UsageError } from '../../context.js';
import { looksSecret, MASK } from './secrets.js';

/** One line of `mcp list`: where the tools come from, in a few words. */
export function sourceOf(spec: McpServerSpec): string {
  const b = spec.backend;
  switch (b.kind) {
    case 'hosted':
      return b.server;
    case 'rest': {
      const server = (b.config as { server?: { name?: string } }).server;
      const tools = (b.config as { tools?: unknown[] }).tools?.length ?? 0;
      return `${server?.name ?? '?'} (${tools} tools)`;
    }
    case 'remote':
      return `${b.url} (${b.transport})`;
    case 'stdio':
      return [b.command, ...b.args].join(' ');
    case 'bundle':
      return b.members.join(',');
  }
}

/**
 * The spec as `show` prints it: secret references become `secret:<name> (set|missing)`, header and env values
 * sealed in place or under names not known to be plain are masked, and so are other plain values whose names look
 * like credentials. Nothing decrypts a secret here.
 */
export function maskedSpec(registry: Registry, spec: McpServerSpec): Record<string, unknown> {
  const copy = structuredClone(maskMcpServer(spec)) as unknown as { backend: Record<string, any> };
  const b = copy.backend;
  const refs = (field: string) => {
    if (!b[field]) return;
    for (const [k, name] of Object.entries(b[field] as Record<string, string>)) {
      b[field][k] = `secret:${name} (${registry.secrets.has(name) ? 'set' : 'missing'})`;
    }
  };
  const plain = (field: string, always = false) => {
    for (const k of Object.keys(b[field] ?? {})) if ((always || looksSecret(k)) && b[field][k] !== '') b[field][k] = MASK;
  };
  refs('secretSettings');
  refs('secretHeaders');
  refs('secretEnv');
  plain('headers');
  plain('env');
  plain('settings');
  if (b.kind === 'rest' && b.config?.server?.config) {
    for (const k of Object.keys(b.config.server.config)) {
      if (looksSecret(k) && typeof b.config.server.config[k] === 'string' && b.config.server.config[k] !== '') b.config.server.config[k] = MASK;
    }
  }
  return copy as unknown as Record<string, unknown>;
}

/**
 * The effective config of a server for `mcp export`: a REST server's config file as given (secrets were moved
 * out at `mcp add`), a bundle with tool lists for every member as a Higress toolSet, anything else as its spec.
 */
export function exportText(spec: McpServerSpec, format: 'yaml' | 'json'): string {
  const b = spec.backend;
  if (b.kind === 'rest') {
    const compiled = validateRestConfig(b.config);
    if (!compiled.ok) throw new UsageError(`mcpServer "${spec.name}": backend.config: ${compiled.errors.join('; ')}`);
    return exportConfig(compiled.value, format);
  }
  let doc: unknown = maskMcpServer(spec);
  if (b.kind === 'bundle' && b.tools && b.prefix === 'always' && b.separator === '___' && b.members.every((m) => b.tools![m])) {
    doc = { toolSet: { name: spec.name, serverTools: b.members.map((m) => ({ serverName: m, tools: b.tools![m] })) } };
  }
  return format === 'json' ? `${JSON.stringify(doc, null, 2)}\n` : stringify(doc, { lineWidth: 0 });
}
