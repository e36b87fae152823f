import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { packageRoot, Registry } from '../registry/index.js';

/** The REST-to-MCP config of the `time` server added on first start (Higress mcp-time compatible). */
const TIME_CONFIG_FILE = join(packageRoot(), 'servers', 'time', 'mcp-time.yaml');

/** Name of the first-start bundle of every seeded MCP server. */
const ALL_IN_ONE = 'all-in-one';

/**
 * On an empty registry, adds what a first start should show: the demo route /demo to the built-in echo upstream
 * (when it runs), the MCP servers `time` (a REST-to-MCP direct-response config), `quark-search` and `amap-tools`
 * (hosted; without keys their calls say which secret to set), and the `all-in-one` bundle of the three with
 * Higress tool names (`time___get-current-time`). Returns what it added, for the banner. A registry with anything
 * in it is left alone.
 */
export function seedFirstStart(db: string, demoUpstreamUrl: string | undefined): string[] {
  // Read before opening: a missing file must not leave a half-seeded registry behind.
  const timeConfig = parse(readFileSync(TIME_CONFIG_FILE, 'utf8')) as Record<string, unknown>;
  // Checked like the gateway's own open: seeding must not be the first thing to trip over a damaged file.
  const registry = Registry.open(db, { quickCheck: true });
  try {
    return registry.transaction(() => {
      if (!registry.isEmpty()) return [];
      const added: string[] = [];
      if (demoUpstreamUrl) {
        registry.routes.create({ name: 'demo', path: '/demo', upstream: demoUpstreamUrl, stripPrefix: true }, 'seed');
        added.push('route demo (/demo -> built-in echo upstream)');
      }
      registry.mcpServers.create({ name: 'time', description: 'Current time in any time zone (REST-to-MCP)', backend: { kind: 'rest', config: timeConfig } }, 'seed');
      for (const server of ['quark-search', 'amap-tools']) {
        registry.mcpServers.create({ name: server, backend: { kind: 'hosted', server } }, 'seed');
      }
      const members = ['time', 'quark-search', 'amap-tools'];
      registry.mcpServers.create({ name: ALL_IN_ONE, description: 'time, quark-search and amap-tools at one endpoint', backend: { kind: 'bundle', members, separator: '___', prefix: 'always' } }, 'seed');
      added.push(`MCP servers ${members.join(', ')} and ${ALL_IN_ONE}`);
      return added;
    });
  } finally {
    registry.close();
  }
}
