import type { Command } from 'commander';
import { withAddFlags, type McpAddFlags } from './mcp/flags.js';

// The actions are imported when a command runs: `agate route add` must not load the MCP SDK, yaml or the
// REST-to-MCP engine at start-up.
const actions = () => import('./mcp/actions.js');
const sessionActions = () => import('./mcp/session-actions.js');

/** `agate mcp add|list|show|tools|call|remove|validate|export`, in the spirit of `hgctl mcp add`. */
export function registerMcpCommands(program: Command): void {
  const mcp = program.command('mcp').description('MCP servers: hosted, REST-to-MCP, OpenAPI, remote, stdio and bundles');
  registerAdd(mcp);

  mcp
    .command('list')
    .alias('ls')
    .description('configured MCP servers and their URLs')
    .option('--json', 'print JSON')
    .action(async (flags: { json?: boolean }, cmd: Command) => (await actions()).listAction(flags, cmd.optsWithGlobals()));

  mcp
    .command('show <name>')
    .description('one server: its config (secrets masked) and URLs')
    .option('--json', 'print JSON')
    .action(async (name: string, flags: { json?: boolean }, cmd: Command) => (await actions()).showAction(name, flags, cmd.optsWithGlobals()));

  registerSessionCommands(mcp);

  mcp
    .command('remove <name>')
    .alias('rm')
    .description('remove a server and the secrets mcp add stored for it')
    .action(async (name: string, _flags: unknown, cmd: Command) => (await actions()).removeAction(name, cmd.optsWithGlobals()));

  mcp
    .command('validate <file>')
    .description('check a REST-to-MCP config (YAML or JSON, toolSet too) or an OpenAPI spec; exit 2 with line and column')
    .option('--type <type>', 'rest or openapi (default: from the file)')
    .option('--base-url <url>', 'OpenAPI: base URL when the spec has none; REST config: the base URL for path-only request URLs')
    .option('--json', 'print JSON')
    .action(async (file: string, flags) => (await actions()).validateAction(file, flags));

  mcp
    .command('export <name>')
    .description("print the server's effective config (a REST config file, a toolSet, or the spec)")
    .option('--format <format>', 'yaml or json', 'yaml')
    .action(async (name: string, flags: { format?: string }, cmd: Command) => (await actions()).exportAction(name, flags, cmd.optsWithGlobals()));
}

function registerAdd(mcp: Command): void {
  const add = withAddFlags(
    mcp
      .command('add <name> [source] [command-args...]')
      .description('add an MCP server from a URL, a REST-to-MCP or OpenAPI file, a hosted server, a bundle or a stdio command')
      .addHelpText(
        'after',
        `
Examples:
  agate mcp add github https://example.com/mcp --header "Authorization: Bearer <token>"
  agate mcp add legacy http://127.0.0.1:9000/sse --transport sse
  agate mcp add files --stdio -- npx -y @modelcontextprotocol/server-filesystem /srv/docs
  agate mcp add weather ./weather.yaml
  agate mcp add petstore ./petstore.json --type openapi --base-url https://petstore.example.com/v3
  agate mcp add quark --server quark-search --secret apiKey=<key>
  agate mcp add all --bundle quark-search,amap-tools,time --prefix always`,
      ),
  );
  // Commander passes the options and the command after the arguments; `add` itself holds both.
  add.action(async (name: string, source: string | undefined, commandArgs: string[]) => {
    (await actions()).addAction({ name, source, commandArgs }, add.opts<McpAddFlags>(), add.optsWithGlobals());
  });
}

/** The commands that talk to a server through the running gateway, as a client. */
function registerSessionCommands(mcp: Command): void {
  mcp
    .command('tools <name>')
    .description("the server's tools, listed through the running gateway by a real MCP client")
    .option('--url <gateway-url>', 'gateway base URL (default: the running gateway in the registry)')
    .option('--key <consumer-key>', 'consumer key (env AGATE_KEY)')
    .option('--json', 'print JSON')
    .action(async (name: string, _flags: unknown, cmd: Command) => (await sessionActions()).toolsAction(name, cmd.optsWithGlobals()));

  const call = mcp
    .command('call <name> <tool>')
    .description('call a tool through the running gateway; exit 5 when the tool reports an error')
    .option('--args <json>', 'arguments as a JSON object', '{}')
    .option('--url <gateway-url>', 'gateway base URL (default: the running gateway in the registry)')
    .option('--key <consumer-key>', 'consumer key (env AGATE_KEY)')
    .option('--json', 'print the whole result as JSON');
  call.action(async (name: string, tool: string) => (await sessionActions()).callAction(name, tool, call.optsWithGlobals()));
}
