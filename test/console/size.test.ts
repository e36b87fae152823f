// The console ships as static files from the admin listener: it must stay small (≤ 300 KB gzipped in all, the
// budget of issue #19) and self-contained (no reference to another origin in what the browser loads).
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';

const root = join(import.meta.dirname, '..', '..');
const BUDGET = 300 * 1024;

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? files(path) : [path];
  });
}

describe('console build', () => {
  const built = join(root, 'dist', 'console');
  const shipped = () => [...files(join(root, 'console', 'static')), ...files(built).filter((f) => f.endsWith('.js'))];

  it('is built by npm run build', () => {
    // `npm test` builds first; a bare vitest run after a build without console/tsconfig.json would miss it.
    expect(statSync(join(built, 'main.js'), { throwIfNoEntry: false }), 'dist/console/main.js missing: run npm run build').toBeDefined();
  });

  it(`weighs at most ${BUDGET / 1024} KB gzipped`, () => {
    const total = shipped().reduce((n, f) => n + gzipSync(readFileSync(f), { level: 9 }).length, 0);
    expect(total).toBeGreaterThan(1000);
    expect(total).toBeLessThanOrEqual(BUDGET);
  });

  it('loads nothing from another origin', () => {
    for (const f of shipped()) {
      const text = readFileSync(f, 'utf8');
      expect(text, f).not.toMatch(/(src|href)\s*=\s*["'](https?:)?\/\//);
      expect(text, f).not.toMatch(/@import|url\(\s*["']?(https?:)?\/\//);
      expect(text, f).not.toMatch(/\bfrom\s+["'](?!\.)/);
    }
  });
});
