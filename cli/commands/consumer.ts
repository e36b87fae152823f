import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import type { ConsumerSpec } from '../../registry/index.js';
import { hashPassword } from '../../server/config-tools.js';
import { withRegistry, UsageError } from '../context.js';
import { registerConsumerSettingsCommands } from './consumer-settings.js';
import { registerConsumerTokenCommands } from './consumer-tokens.js';
import { printJson, printTable } from '../output.js';

interface ConsumerFlags {
  /** false for `update --no-group`. */
  group?: string[] | false;
  description?: string;
  key?: boolean;
  jwtIssuer?: string;
  jwtSubject?: string;
  jwtAudience?: string;
  jwtAlg?: string;
  jwtSecret?: string;
  jwtPublicKey?: string;
  jwksFile?: string;
  basicUser?: string;
  basicPasswordStdin?: boolean;
  json?: boolean;
}

/** `agate consumer add|update|list|remove`, `agate consumer key add|list|remove`, `agate consumer settings …` and `agate consumer tokens …`. */
export function registerConsumerCommands(program: Command): void {
  const consumer = program.command('consumer').description('consumers: who may call routes, and their credentials');
  registerAdd(consumer);
  registerUpdate(consumer);

  consumer
    .command('list')
    .option('--json', 'print JSON')
    .action((flags: { json?: boolean }, cmd: Command) => {
      withRegistry(cmd.optsWithGlobals(), (r) => {
        const items = r.consumers.store.list().map((c) => ({ ...c, keys: r.consumers.listKeys(c.name).length }));
        if (flags.json) return printJson(items);
        printTable(
          items.map((c) => ({ name: c.name, groups: c.groups, keys: c.keys, jwt: c.jwt?.issuer, basic: c.basicAuth?.username })),
          ['name', 'groups', 'keys', 'jwt', 'basic'],
        );
      });
    });

  consumer
    .command('remove <name>')
    .alias('rm')
    .description('remove a consumer and all its keys')
    .action((name: string, _flags: unknown, cmd: Command) => {
      withRegistry(cmd.optsWithGlobals(), (r) => r.consumers.store.remove(name, 'cli'));
      process.stdout.write(`consumer ${name} removed\n`);
    });

  registerKeyCommands(consumer.command('key').description("a consumer's API keys"));
  registerConsumerSettingsCommands(consumer);
  registerConsumerTokenCommands(consumer);
}

/** The credential flags `add` and `update` share. */
function withSpecFlags(cmd: Command): Command {
  return cmd
    .option('--jwt-issuer <iss>', 'accept JWTs with this iss claim as this consumer')
    .option('--jwt-subject <sub>', 'also require this sub claim')
    .option('--jwt-audience <aud>', 'require this aud claim')
    .option('--jwt-alg <list>', 'HS256, RS256 (default RS256)')
    .option('--jwt-secret <secret-name>', 'name of the secret holding the HS256 key')
    .option('--jwt-public-key <file>', 'PEM file with the RS256 public key')
    .option('--jwks-file <file>', 'JWKS file with RS256 keys (read at each reload)')
    .option('--basic-user <name>', 'basic-auth user name')
    .option('--basic-password-stdin', 'read the basic-auth password from stdin (stored as an scrypt hash)')
    .option('--json', 'print JSON');
}

function registerAdd(consumer: Command): void {
  withSpecFlags(
    consumer
      .command('add <name>')
      .description('add a consumer; prints its first API key once (it is stored only as a hash)')
      .option('--group <name...>', 'groups the consumer belongs to')
      .option('--description <text>', 'free text')
      .option('--no-key', 'do not issue an API key'),
  ).action((name: string, flags: ConsumerFlags, cmd: Command) => {
    const spec = { name, groups: flags.group || [], ...(flags.description && { description: flags.description }), ...credentialSpec(flags) };
    withRegistry(cmd.optsWithGlobals(), (r) => {
      const { stored, key } = r.transaction(() => {
        const stored = r.consumers.store.create(spec, 'cli');
        return { stored, key: flags.key === false ? undefined : r.consumers.issueKey(name, 'cli').key };
      });
      if (flags.json) return printJson({ ...stored, ...(key && { key }) });
      process.stdout.write(`consumer ${name} added\n`);
      if (key) process.stdout.write(`api key (shown once, store it now): ${key}\n`);
    });
  });
}

function registerUpdate(consumer: Command): void {
  withSpecFlags(
    consumer
      .command('update <name>')
      .description('change a consumer: --group replaces every group, other flags replace only what they name; keys stay')
      .option('--group <name...>', 'the groups the consumer belongs to from now on')
      .option('--no-group', 'remove the consumer from every group')
      .option('--description <text>', 'free text; "" removes it'),
  ).action((name: string, flags: ConsumerFlags, cmd: Command) => {
    withRegistry(cmd.optsWithGlobals(), (r) => {
      const found = r.consumers.store.get(name);
      if (!found) throw new UsageError(`consumer "${name}" not found`);
      const { description: currentDescription, ...current } = found;
      const groups = flags.group === undefined ? current.groups : flags.group || [];
      const description = flags.description ?? currentDescription;
      const spec = { ...current, groups, ...(description && { description }), ...credentialSpec(flags, found) };
      const stored = r.consumers.store.update(spec, 'cli');
      if (flags.json) printJson(stored);
      else process.stdout.write(`consumer ${name} updated\n`);
    });
  });
}

/** `agate consumer key add|remove|list`. */
function registerKeyCommands(key: Command): void {
  key
    .command('add <consumer>')
    .description('issue another API key; printed once')
    .option('--json', 'print JSON')
    .action((name: string, flags: { json?: boolean }, cmd: Command) => {
      withRegistry(cmd.optsWithGlobals(), (r) => {
        const issued = r.consumers.issueKey(name, 'cli');
        if (flags.json) printJson({ key: issued.key, ...issued.info });
        else process.stdout.write(`api key for ${name} (shown once, store it now): ${issued.key}\n`);
      });
    });
  const remove = key
    .command('remove <consumer> <id>')
    .alias('rm')
    .description('revoke one API key (ids from `consumer key list`); effective at the next reload');
  remove.action((name: string, id: string) => {
    if (!/^\d+$/.test(id)) throw new UsageError(`key id: must be a number from \`agate consumer key list ${name}\` (got "${id}")`);
    withRegistry(remove.optsWithGlobals(), (r) => r.consumers.revokeKey(name, Number(id), 'cli'));
    process.stdout.write(`key ${id} of ${name} revoked\n`);
  });
  key
    .command('list <consumer>')
    .option('--json', 'print JSON')
    .action((name: string, flags: { json?: boolean }, cmd: Command) => {
      withRegistry(cmd.optsWithGlobals(), (r) => {
        const keys = r.consumers.listKeys(name);
        if (flags.json) printJson(keys);
        else printTable(keys as unknown as Array<Record<string, unknown>>, ['id', 'keyPrefix', 'createdAt']);
      });
    });
}

/**
 * The credentials the flags name, over `current`'s (`update`): JWT settings are merged into the current ones, a
 * new basic-auth user keeps the current password and a new password the current user.
 */
function credentialSpec(f: ConsumerFlags, current?: ConsumerSpec): Record<string, unknown> {
  const spec: Record<string, unknown> = {};
  const jwt = {
    ...(f.jwtIssuer !== undefined && { issuer: f.jwtIssuer }),
    ...(f.jwtSubject !== undefined && { subject: f.jwtSubject }),
    ...(f.jwtAudience !== undefined && { audience: f.jwtAudience }),
    ...(f.jwtAlg !== undefined && { algorithms: f.jwtAlg.split(',').map((a) => a.trim().toUpperCase()) }),
    ...(f.jwtSecret !== undefined && { secretRef: f.jwtSecret }),
    ...(f.jwtPublicKey !== undefined && { publicKey: readText(f.jwtPublicKey) }),
    ...(f.jwksFile !== undefined && { jwksFile: f.jwksFile }),
  };
  if (Object.keys(jwt).length > 0) spec.jwt = { ...current?.jwt, ...jwt };
  if (f.basicUser !== undefined || f.basicPasswordStdin) {
    const username = f.basicUser ?? current?.basicAuth?.username;
    if (username === undefined) throw new UsageError('consumer.basicAuth: --basic-password-stdin needs --basic-user');
    const passwordHash = f.basicPasswordStdin ? hashPassword(passwordFromStdin()) : current?.basicAuth?.passwordHash;
    if (passwordHash === undefined) throw new UsageError('consumer.basicAuth: --basic-user needs --basic-password-stdin');
    spec.basicAuth = { username, passwordHash };
  }
  return spec;
}

function passwordFromStdin(): string {
  const password = readFileSync(0, 'utf8').replace(/\r?\n$/, '');
  if (!password) throw new UsageError('consumer.basicAuth: the password on stdin is empty');
  return password;
}

function readText(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (err) {
    throw new UsageError(`cannot read ${file}: ${(err as Error).message}`);
  }
}
