#!/usr/bin/env -S node --max-semi-space-size=16
import { Command, CommanderError } from 'commander';
import { loadConfigChecks, reportError } from './context.js';

type Register = (program: Command) => void;

/**
 * Command groups in help order, each loaded only when needed: `agate route add` is timed from process start to
 * the route being served, and must not pay for importing the LLM providers or the server.
 */
const groups: Record<string, () => Promise<Register>> = {
  serve: async () => (await import('./commands/serve.js')).registerServeCommand,
  route: async () => (await import('./commands/route.js')).registerRouteCommands,
  upstream: async () => (await import('./commands/upstream.js')).registerUpstreamCommands,
  consumer: async () => (await import('./commands/consumer.js')).registerConsumerCommands,
  apply: async () => (await import('./commands/apply.js')).registerApplyCommand,
  llm: async () => (await import('./commands/llm.js')).registerLlmCommands,
  mcp: async () => (await import('./commands/mcp.js')).registerMcpCommands,
  status: async () => (await import('./commands/status.js')).registerStatusCommand,
};

/** The command group named on the command line, or undefined (help, or a name we do not know: load them all). */
function requestedGroup(args: string[]): string | undefined {
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (a === '--db') i++;
    else if (!a.startsWith('-')) return Object.hasOwn(groups, a) ? a : undefined;
  }
  return undefined;
}

const wanted = requestedGroup(process.argv.slice(2));
const program = new Command('agate')
  .description('agate: an AI-native API gateway (MCP hosting, REST-to-MCP, LLM routing, HTTP proxy)')
  .option('--db <path>', 'registry file (env AGATE_DB, default ./data/agate.db)')
  .showHelpAfterError()
  .exitOverride()
  .hook('preAction', (_program, action) => loadConfigChecks(wanted, action.name(), action.opts()));

for (const [name, load] of Object.entries(groups)) if (!wanted || name === wanted) (await load())(program);

try {
  await program.parseAsync(process.argv);
} catch (err) {
  if (err instanceof CommanderError) {
    // Help and version exit 0; bad flags and missing arguments are usage errors.
    process.exitCode = err.exitCode === 0 ? 0 : 2;
  } else {
    process.exitCode = reportError(err);
  }
}
