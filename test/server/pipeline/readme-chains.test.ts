import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { CHAINS } from '../../../server/pipeline/index.js';

/**
 * server/pipeline/README.md draws the chains for readers who do not read code; chains.ts declares them for the
 * compilers. The drawing is the expected value, the declaration the checked one: neither can drift alone.
 */
const readme = readFileSync(new URL('../../../server/pipeline/README.md', import.meta.url), 'utf8');

/** `[name]  a → b → c ⇒ x | y` lines of the README's chain block. */
function drawnChains(): Map<string, { stages: string[]; terminals: string[] }> {
  const drawn = new Map<string, { stages: string[]; terminals: string[] }>();
  for (const line of readme.split('\n')) {
    const m = /^\[([a-z-]+)\]\s+(.*?)\s*⇒\s*(.+)$/.exec(line);
    if (!m) continue;
    const split = (text: string, sep: string) => text.split(sep).map((s) => s.trim()).filter(Boolean);
    drawn.set(m[1]!, { stages: split(m[2]!, '→'), terminals: split(m[3]!, '|') });
  }
  return drawn;
}

describe('server/pipeline/README.md draws the chains as declared', () => {
  const drawn = drawnChains();

  it('draws every declared chain, and only those', () => {
    expect([...drawn.keys()].sort()).toEqual(Object.keys(CHAINS).sort());
  });

  it.each(Object.keys(CHAINS))('chain %s: same filters in the same order, same terminals', (name) => {
    const declared = CHAINS[name as keyof typeof CHAINS];
    expect({ stages: [...declared.stages], terminals: [...declared.terminals] }).toEqual(drawn.get(name));
  });
});
