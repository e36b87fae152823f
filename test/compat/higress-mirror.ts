import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** Where a read-only bare mirror of higress-group/higress may sit (developer machines; CI has none). */
export const HIGRESS_MIRROR = ['../.mirror/higress-group+higress/repo', '/work/.mirror/higress-group+higress/repo'].find((d) => existsSync(join(d, 'HEAD')));

const PUBLISHED = /^plugins\/wasm-go\/mcp-servers\/([^/]+)\/mcp-server\.yaml$/;

/**
 * Writes every config Higress publishes (`plugins/wasm-go/mcp-servers/<name>/mcp-server.yaml` at the mirror's
 * HEAD) into `dir` as `<name>.yaml`, the shape `runCompat` and `agate mcp validate` read; returns the file names.
 */
export function extractPublishedConfigs(mirror: string, dir: string): string[] {
  const git = (...args: string[]): string => execFileSync('git', ['-C', mirror, ...args], { encoding: 'utf8', maxBuffer: 64 << 20 });
  mkdirSync(dir, { recursive: true });
  const files: string[] = [];
  for (const path of git('ls-tree', '-r', '--name-only', 'HEAD', 'plugins/wasm-go/mcp-servers').split('\n')) {
    const name = PUBLISHED.exec(path)?.[1];
    if (name === undefined) continue;
    writeFileSync(join(dir, `${name}.yaml`), git('show', `HEAD:${path}`));
    files.push(`${name}.yaml`);
  }
  return files.sort();
}
