import type { Command } from 'commander';
import { withRegistry, UsageError } from '../context.js';
import { printJson, printTable } from '../output.js';

/**
 * `agate consumer tokens list|revoke`: the per-user token vault's grants (upstream OAuth tokens a consumer consented
 * to, `upstreamAuth.type: authorization_code`). Listing shows servers, scopes and expiry, never a token; revoking
 * deletes the stored tokens, so the consumer's next call to that server asks for consent again.
 */
export function registerConsumerTokenCommands(consumer: Command): void {
  const tokens = consumer.command('tokens').description("a consumer's upstream OAuth tokens (the per-user token vault)");
  tokens
    .command('list <consumer>')
    .description('the servers the consumer consented to, with scopes and expiry (tokens are never shown)')
    .option('--json', 'print JSON')
    .action((name: string, flags: { json?: boolean }, cmd: Command) => {
      const grants = withRegistry(cmd.optsWithGlobals(), (r) => r.vaultTokens.list(name));
      if (flags.json) return printJson(grants);
      printTable(
        grants.map((g) => ({ server: g.server, scope: g.scope ?? '', expires: g.expiresAt ?? '', refreshable: g.refreshable ? 'yes' : 'no', updated: g.updatedAt })),
        ['server', 'scope', 'expires', 'refreshable', 'updated'],
      );
    });
  const revoke = tokens
    .command('revoke <consumer>')
    .description("delete the consumer's stored upstream tokens (all, or one server's): the next call asks for consent again")
    .option('--server <name>', 'only this MCP server\'s tokens');
  revoke.action((name: string, flags: { server?: string }) => {
    const gone = withRegistry(revoke.optsWithGlobals(), (r) => r.vaultTokens.revoke(name, flags.server, 'cli'));
    if (gone.length === 0) throw new UsageError(`no upstream tokens stored for consumer "${name}"${flags.server ? ` at server "${flags.server}"` : ''}`);
    process.stdout.write(`consumer ${name}: upstream tokens revoked for ${gone.join(', ')}\n`);
  });
}
