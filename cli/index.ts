#!/usr/bin/env node
import { Command, CommanderError } from 'commander';
import { reportError } from './context.js';
import { registerServeCommand } from './commands/serve.js';
import { registerRouteCommands } from './commands/route.js';
import { registerUpstreamCommands } from './commands/upstream.js';
import { registerStatusCommand } from './commands/status.js';
import { registerApplyCommand } from './commands/apply.js';
import { registerConsumerCommands } from './commands/consumer.js';
import { registerLlmCommands } from './commands/llm.js';

const program = new Command('agate')
  .description('agate: an AI-native API gateway (MCP hosting, REST-to-MCP, LLM routing, HTTP proxy)')
  .option('--db <path>', 'registry file (env AGATE_DB, default ./data/agate.db)')
  .showHelpAfterError()
  .exitOverride();

registerServeCommand(program);
registerRouteCommands(program);
registerUpstreamCommands(program);
registerConsumerCommands(program);
registerApplyCommand(program);
registerLlmCommands(program);
registerStatusCommand(program);

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
