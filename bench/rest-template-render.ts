import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { packageRoot } from '../registry/index.js';
import { parseTemplate } from '../servers/rest-to-mcp/template/index.js';
import { shapeForTemplate } from '../test/compat/response-shape.js';
import { percentile } from './stats.js';

/** One corpus response template's render cost. */
export interface RenderFigures {
  template: string;
  templateChars: number;
  dataBytes: number;
  outputChars: number;
  medianUs: number;
  p99Us: number;
  error?: string;
}

/** Where the Higress corpus lives (CI sees it at ../shared/compat); REST_BENCH_CORPUS overrides. */
export function corpusDir(): string {
  return process.env.REST_BENCH_CORPUS ?? join(packageRoot(), '..', 'shared', 'compat', 'higress-mcp-servers');
}

/** Every `responseTemplate.body` in the corpus, longest first, as `file:tool` → text. */
function corpusTemplates(dir: string): Array<{ name: string; source: string }> {
  const found: Array<{ name: string; source: string }> = [];
  for (const file of readdirSync(dir).filter((f) => /\.ya?ml$/.test(f)).sort()) {
    const doc = parse(readFileSync(join(dir, file), 'utf8')) as { tools?: Array<{ name?: string; responseTemplate?: { body?: unknown } }> };
    for (const tool of doc?.tools ?? []) {
      const body = tool.responseTemplate?.body;
      if (typeof body === 'string') found.push({ name: `${file.replace(/\.ya?ml$/, '')}:${tool.name}`, source: body });
    }
  }
  return found.sort((a, b) => b.source.length - a.source.length);
}

// The compat shape has two-element arrays and "v" leaves: enough to pass, too small to cost what a real
// answer costs. Lists grow to `items` elements and leaves to sentence-length text, like a search API's page.
function widen(value: unknown, items: number): unknown {
  if (Array.isArray(value)) return Array.from({ length: items }, (_, i) => widen(value[i % value.length], items));
  if (value !== null && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, widen(v, items)]));
  return 'A representative field value, about sixty characters long.';
}

/**
 * Parses each of the corpus's `count` longest response templates once and renders it `renders` times over
 * representative JSON (its own field paths, lists of `items`); per-render median and p99 in µs. Undefined
 * when the corpus directory is absent.
 */
export function templateRenderTimes(opts: { count: number; renders: number; items: number }): RenderFigures[] | undefined {
  const dir = corpusDir();
  if (!existsSync(dir)) return undefined;
  return corpusTemplates(dir)
    .slice(0, opts.count)
    .map(({ name, source }) => {
      const data = widen(shapeForTemplate(source), opts.items);
      const base = { template: name, templateChars: source.length, dataBytes: JSON.stringify(data).length };
      try {
        const tpl = parseTemplate(source, name);
        const output = tpl.render(data);
        for (let i = 0; i < 200; i++) tpl.render(data); // JIT warm-up
        const us: number[] = [];
        for (let i = 0; i < opts.renders; i++) {
          const t0 = performance.now();
          tpl.render(data);
          us.push((performance.now() - t0) * 1000);
        }
        const r1 = (n: number) => Math.round(n * 10) / 10;
        return { ...base, outputChars: output.length, medianUs: r1(percentile(us, 50)), p99Us: r1(percentile(us, 99)) };
      } catch (err) {
        return { ...base, outputChars: 0, medianUs: NaN, p99Us: NaN, error: (err as Error).message };
      }
    });
}
