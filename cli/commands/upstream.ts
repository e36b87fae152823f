import type { Command } from 'commander';
import { withRegistry, UsageError } from '../context.js';
import { printFields, printJson, printTable } from '../output.js';

/** `agate upstream add|list|show|remove`. */
export function registerUpstreamCommands(program: Command): void {
  const upstream = program.command('upstream').description('upstreams: named sets of weighted targets');

  upstream
    .command('add <name>')
    .description('add an upstream')
    .requiredOption('--target <url[=weight]...>', 'a target URL, optionally with =weight (repeatable)')
    .option('--json', 'print the stored upstream as JSON')
    .action((name: string, flags: { target: string[]; json?: boolean }, cmd: Command) => {
      withRegistry(cmd.optsWithGlobals(), (r) => {
        const stored = r.upstreams.create({ name, targets: flags.target.map(parseTarget) }, 'cli');
        if (flags.json) printJson(stored);
        else process.stdout.write(`upstream ${name} added with ${stored.targets.length} target(s)\n`);
      });
    });

  upstream
    .command('list')
    .option('--json', 'print JSON')
    .action((flags: { json?: boolean }, cmd: Command) => {
      withRegistry(cmd.optsWithGlobals(), (r) => {
        const items = r.upstreams.list();
        if (flags.json) return printJson(items);
        printTable(
          items.map((u) => ({ name: u.name, balance: u.balance, targets: u.targets.map((t) => `${t.url}=${t.weight}`) })),
          ['name', 'balance', 'targets'],
        );
      });
    });

  upstream
    .command('show <name>')
    .option('--json', 'print JSON')
    .action((name: string, flags: { json?: boolean }, cmd: Command) => {
      withRegistry(cmd.optsWithGlobals(), (r) => {
        const found = r.upstreams.get(name);
        if (!found) throw new UsageError(`upstream "${name}" not found`);
        if (flags.json) printJson(found);
        else printFields({ ...found, targets: found.targets.map((t) => `${t.url}=${t.weight}`) });
      });
    });

  upstream
    .command('remove <name>')
    .alias('rm')
    .action((name: string, _flags: unknown, cmd: Command) => {
      withRegistry(cmd.optsWithGlobals(), (r) => r.upstreams.remove(name, 'cli'));
      process.stdout.write(`upstream ${name} removed\n`);
    });
}

function parseTarget(text: string): { url: string; weight?: number } {
  const eq = text.lastIndexOf('=');
  if (eq > text.indexOf('://') + 2 && /^\d+$/.test(text.slice(eq + 1))) {
    return { url: text.slice(0, eq), weight: Number(text.slice(eq + 1)) };
  }
  return { url: text };
}
