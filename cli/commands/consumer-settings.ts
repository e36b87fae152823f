import type { Command } from 'commander';
import { MASK, consumerSettingsInfo, setConsumerSettings, unsetConsumerSettings } from '../../registry/index.js';
import { storedRestSettingNames } from '../../servers/rest-to-mcp/index.js';
import { withRegistry, UsageError } from '../context.js';
import { printJson, printTable } from '../output.js';

/** `KEY=VALUE` arguments as a map; a malformed one is a usage error naming it. */
function parsePairs(pairs: readonly string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const pair of pairs) {
    const eq = pair.indexOf('=');
    if (eq <= 0) throw new UsageError(`"${pair}": expected KEY=VALUE`);
    out[pair.slice(0, eq)] = pair.slice(eq + 1);
  }
  return out;
}

/**
 * `agate consumer settings set|unset|list`: a consumer's own `{{.config.X}}` values for a REST server, stored
 * encrypted and used for that consumer's calls only (Higress's `x-higress-mcpserver-config`, set by the admin).
 */
export function registerConsumerSettingsCommands(consumer: Command): void {
  const settings = consumer.command('settings').description("a consumer's own {{.config.X}} values for a REST MCP server");
  const set = settings
    .command('set <consumer> <server> <pairs...>')
    .description('store KEY=VALUE settings (encrypted) for this consumer\'s calls to the server');
  set.action((name: string, server: string, pairs: string[]) => {
    const values = parsePairs(pairs);
    withRegistry(set.optsWithGlobals(), (r) => setConsumerSettings(r, { consumer: name, server, values, origin: 'cli', settingNames: storedRestSettingNames }));
    process.stdout.write(`consumer ${name}: ${Object.keys(values).join(', ')} set for ${server}\n`);
  });
  const unset = settings
    .command('unset <consumer> <server> <keys...>')
    .description('remove settings; the server-wide values apply again');
  unset.action((name: string, server: string, keys: string[]) => {
    const removed = withRegistry(unset.optsWithGlobals(), (r) => unsetConsumerSettings(r, { consumer: name, server, keys, origin: 'cli' }));
    const missing = keys.filter((k) => !removed.includes(k));
    if (missing.length) process.stderr.write(`warning: not set for ${name} on ${server}: ${missing.join(', ')}\n`);
    process.stdout.write(`consumer ${name}: ${removed.join(', ') || 'nothing'} unset for ${server}\n`);
  });
  settings
    .command('list <consumer>')
    .description('the servers and setting names, when and by whom each was set (values are never shown)')
    .option('--json', 'print JSON')
    .action((name: string, flags: { json?: boolean }, cmd: Command) => {
      const rows = withRegistry(cmd.optsWithGlobals(), (r) => {
        const found = r.consumers.store.get(name);
        if (!found) throw new UsageError(`consumer "${name}" not found`);
        // setBy: `cli`, `admin token`, or `consumer <name>` for what the consumer set itself (PUT /mcp/<server>/settings).
        const servers = Object.keys(found.mcpSettings ?? {});
        return servers.flatMap((server) => consumerSettingsInfo(r, { consumer: name, server }).map((i) => ({ server, key: i.key, value: MASK, setBy: i.setBy, setAt: i.setAt })));
      });
      if (flags.json) printJson(rows);
      else printTable(rows, ['server', 'key', 'value', 'setBy', 'setAt']);
    });
}
