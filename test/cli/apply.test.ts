import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { Registry } from '../../registry/index.js';
import { runCli } from '../helpers/cli.js';
import { tempDir } from '../helpers/temp-dir.js';

const version = (db: string) => {
  const r = Registry.open(db);
  try {
    return r.version();
  } finally {
    r.close();
  }
};

describe('agate apply', () => {
  const tmp = tempDir();
  afterAll(() => tmp.cleanup());

  it('resolves references inside the file in any order: an upstream may fall back to one listed after it', async () => {
    const db = join(tmp.dir, 'order.db');
    const file = join(tmp.dir, 'order.yaml');
    writeFileSync(
      file,
      [
        'routes:',
        '  - { name: api, path: /api, upstream: primary }',
        'upstreams:',
        '  - { name: primary, targets: [{ url: "http://127.0.0.1:9001" }], fallback: [backup] }',
        '  - { name: backup, targets: [{ url: "http://127.0.0.1:9002" }] }',
      ].join('\n'),
    );
    const r = await runCli(['apply', '-f', file], db);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('3 created');
    const reg = Registry.open(db);
    try {
      expect(reg.upstreams.get('primary')!.fallback).toEqual(['backup']);
      expect(reg.routes.get('api')!.upstream).toBe('primary');
    } finally {
      reg.close();
    }
  });

  it('still refuses a reference to something neither in the file nor in the registry', async () => {
    const db = join(tmp.dir, 'ghost.db');
    const file = join(tmp.dir, 'ghost.yaml');
    writeFileSync(file, ['upstreams:', '  - { name: primary, targets: [{ url: "http://127.0.0.1:9001" }], fallback: [ghost] }'].join('\n'));
    const r = await runCli(['apply', '-f', file], db);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('upstreams[0]: upstream.fallback: no upstream named "ghost"');
    const reg = Registry.open(db);
    try {
      expect(reg.upstreams.get('primary')).toBeUndefined();
    } finally {
      reg.close();
    }
  });

  it('an unchanged file rewrites nothing and leaves the config version alone', async () => {
    const db = join(tmp.dir, 'same.db');
    const file = join(tmp.dir, 'same.yaml');
    writeFileSync(
      file,
      [
        'upstreams:',
        '  - { name: pool, targets: [{ url: "http://127.0.0.1:9001", weight: 3 }, { url: "http://127.0.0.1:9002" }] }',
        'consumers:',
        '  - { name: alice, groups: [dev] }',
        'routes:',
        '  - { name: api, path: /api, upstream: pool, stripPrefix: true }',
      ].join('\n'),
    );
    expect((await runCli(['apply', '-f', file], db)).code).toBe(0);
    const first = version(db);
    const again = await runCli(['apply', '-f', file], db);
    expect(again.stderr).toBe('');
    expect(again.code).toBe(0);
    expect(again.stdout).toContain('0 created, 0 updated, 3 unchanged');
    expect(version(db)).toBe(first);

    // A real change still lands, and only the changed row is counted.
    writeFileSync(file, readFileSync(file, 'utf8').replace('groups: [dev]', 'groups: [ops]'));
    const changed = await runCli(['apply', '-f', file], db);
    expect(changed.stdout).toContain('0 created, 1 updated, 2 unchanged');
    expect(version(db)).toBeGreaterThan(first);
  });
});
