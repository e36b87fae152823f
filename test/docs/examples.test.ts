/**
 * Every example in docs/*.md and README.md marked runnable runs as written. The marker is the fenced block's info
 * string (GitHub still highlights by its first word):
 *
 *   ```yaml runnable file=shop.yaml   the block is written to shop.yaml in a scratch folder
 *   ```sh runnable                    each command runs (bash -e) in that folder, in document order,
 *                                     against a fresh registry of its own per document
 *
 * In the scratch folder `agate` (and `npx agate`) is this checkout's CLI and `docs/` is this checkout's docs/, so
 * `agate apply -f shop.yaml` and `agate mcp add weather docs/examples/weather.yaml` run exactly as printed. A
 * `# ->` comment on a command line names text its output must contain. Blocks that need a running gateway or the
 * network are left unmarked; `docs/examples/…` paths named anywhere must still exist.
 */
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, readFileSync, readdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { packageRoot } from '../../registry/index.js';
import { CLI_PATH } from '../helpers/cli.js';
import { tempDir } from '../helpers/temp-dir.js';

interface Block {
  lang: string;
  file?: string;
  body: string;
  line: number;
}

const root = packageRoot();
const documents = ['README.md', ...readdirSync(join(root, 'docs')).filter((f) => f.endsWith('.md')).map((f) => `docs/${f}`)];

/** The fenced blocks of a Markdown file whose info string says `runnable`. */
function runnableBlocks(text: string): Block[] {
  const blocks: Block[] = [];
  const fence = /^```(\w+)([^\n]*)\n([\s\S]*?)^```$/gm;
  for (let m = fence.exec(text); m; m = fence.exec(text)) {
    const info = m[2]!.trim().split(/\s+/);
    if (!info.includes('runnable')) continue;
    const file = info.find((w) => w.startsWith('file='))?.slice('file='.length);
    blocks.push({ lang: m[1]!, file, body: m[3]!, line: text.slice(0, m.index).split('\n').length });
  }
  return blocks;
}

/** Commands of an sh block: comments and blank lines dropped, `\` continuations joined, `npx agate` as `agate`. */
function commands(body: string): Array<{ command: string; expect?: string }> {
  const joined = body.replace(/\\\n\s*/g, ' ');
  return joined
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('#'))
    .map((l) => {
      const [command, expect] = l.split(/\s+# ->\s*/);
      return { command: command!.replace(/\s+#\s.*$/, '').replace(/\bnpx agate\b/g, 'agate'), expect: expect?.trim() };
    });
}

const withBlocks = documents.map((doc) => ({ doc, blocks: runnableBlocks(readFileSync(join(root, doc), 'utf8')) })).filter((d) => d.blocks.length);

describe('the runnable examples in the docs', () => {
  const tmp = tempDir('agate-docs-');
  afterAll(() => tmp.cleanup());

  it('there are some (the marker is in use)', () => {
    expect(withBlocks.map((d) => d.doc)).toEqual(expect.arrayContaining(['README.md', 'docs/configuration.md']));
  });

  it.each(withBlocks)('$doc runs as written', ({ doc, blocks }) => {
    const dir = join(tmp.dir, doc.replace(/\W/g, '-'));
    const bin = join(dir, '.bin');
    spawnSync('mkdir', ['-p', bin]);
    symlinkSync(join(root, 'docs'), join(dir, 'docs'));
    writeFileSync(join(bin, 'agate'), `#!/bin/sh\nexec "${process.execPath}" "${CLI_PATH}" "$@"\n`);
    chmodSync(join(bin, 'agate'), 0o755);
    const env = { ...process.env, PATH: `${bin}:${process.env.PATH}`, AGATE_DB: join(dir, 'agate.db') };
    for (const block of blocks) {
      const where = `${doc}:${block.line}`;
      if (block.file) {
        writeFileSync(join(dir, block.file), block.body);
        continue;
      }
      expect(block.lang, `${where}: runnable blocks are sh or name a file`).toBe('sh');
      for (const { command, expect: wanted } of commands(block.body)) {
        const r = spawnSync('bash', ['-e', '-o', 'pipefail', '-c', command], { cwd: dir, env, encoding: 'utf8', timeout: 60_000 });
        expect(r.status, `${where}: ${command}\n${r.stdout}${r.stderr}`).toBe(0);
        if (wanted) expect(r.stdout + r.stderr, `${where}: ${command}`).toContain(wanted);
      }
    }
  });

  it('every docs/examples file the docs name exists', () => {
    const named = documents.flatMap((doc) => [...readFileSync(join(root, doc), 'utf8').matchAll(/docs\/examples\/[\w./-]*\w/g)].map((m) => m[0]));
    expect(named.length).toBeGreaterThan(0);
    for (const path of new Set(named)) expect(existsSync(join(root, path)), path).toBe(true);
  });
});
