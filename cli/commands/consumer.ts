import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { hashPassword } from '../../server/auth/password.js';
import { withRegistry, UsageError } from '../context.js';
import { printJson, printTable } from '../output.js';

interface ConsumerFlags {
  group?: string[];
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

/** `agate consumer add|list|remove` and `agate consumer key add|list`. */
export function registerConsumerCommands(program: Command): void {
  const consumer = program.command('consumer').description('consumers: who may call routes, and their credentials');

  consumer
    .command('add <name>')
    .description('add a consumer; prints its first API key once (it is stored only as a hash)')
    .option('--group <name...>', 'groups the consumer belongs to')
    .option('--description <text>', 'free text')
    .option('--no-key', 'do not issue an API key')
    .option('--jwt-issuer <iss>', 'accept JWTs with this iss claim as this consumer')
    .option('--jwt-subject <sub>', 'also require this sub claim')
    .option('--jwt-audience <aud>', 'require this aud claim')
    .option('--jwt-alg <list>', 'HS256, RS256 (default RS256)')
    .option('--jwt-secret <secret-name>', 'name of the secret holding the HS256 key')
    .option('--jwt-public-key <file>', 'PEM file with the RS256 public key')
    .option('--jwks-file <file>', 'JWKS file with RS256 keys (read at each reload)')
    .option('--basic-user <name>', 'basic-auth user name')
    .option('--basic-password-stdin', 'read the basic-auth password from stdin (stored as an scrypt hash)')
    .option('--json', 'print JSON')
    .action((name: string, flags: ConsumerFlags, cmd: Command) => {
      const spec = consumerSpec(name, flags);
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

  const key = consumer.command('key').description("a consumer's API keys");
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
  key
    .command('remove <consumer> <id>')
    .alias('rm')
    .description('revoke one API key (ids from `consumer key list`); effective at the next reload')
    .action((name: string, id: string, _flags: unknown, cmd: Command) => {
      if (!/^\d+$/.test(id)) throw new UsageError(`key id: must be a number from \`agate consumer key list ${name}\` (got "${id}")`);
      withRegistry(cmd.optsWithGlobals(), (r) => r.consumers.revokeKey(name, Number(id), 'cli'));
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

function consumerSpec(name: string, f: ConsumerFlags): Record<string, unknown> {
  const spec: Record<string, unknown> = { name, groups: f.group ?? [] };
  if (f.description) spec.description = f.description;
  if (f.jwtIssuer) {
    spec.jwt = {
      issuer: f.jwtIssuer,
      ...(f.jwtSubject && { subject: f.jwtSubject }),
      ...(f.jwtAudience && { audience: f.jwtAudience }),
      ...(f.jwtAlg && { algorithms: f.jwtAlg.split(',').map((a) => a.trim().toUpperCase()) }),
      ...(f.jwtSecret && { secretRef: f.jwtSecret }),
      ...(f.jwtPublicKey && { publicKey: readText(f.jwtPublicKey) }),
      ...(f.jwksFile && { jwksFile: f.jwksFile }),
    };
  }
  if (f.basicUser) {
    if (!f.basicPasswordStdin) throw new UsageError('consumer.basicAuth: --basic-user needs --basic-password-stdin');
    const password = readFileSync(0, 'utf8').replace(/\r?\n$/, '');
    if (!password) throw new UsageError('consumer.basicAuth: the password on stdin is empty');
    spec.basicAuth = { username: f.basicUser, passwordHash: hashPassword(password) };
  }
  return spec;
}

function readText(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (err) {
    throw new UsageError(`cannot read ${file}: ${(err as Error).message}`);
  }
}
