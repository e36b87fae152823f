// Every template string in the Higress REST-to-MCP compat corpus must parse, and
// must render over small samples without failing. The corpus lives outside the
// repository, so the suite skips (saying why) when it is absent.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { parseTemplate } from '../../../../servers/rest-to-mcp/template/index.js';

const CORPUS_DIR = '/work/shared/compat/higress-mcp-servers';

interface Found {
  file: string;
  where: string;
  kind: 'request' | 'response';
  source: string;
}

type Obj = Record<string, unknown>;
const obj = (v: unknown): Obj => (typeof v === 'object' && v !== null ? (v as Obj) : {});

function collect(file: string, doc: unknown): Found[] {
  const out: Found[] = [];
  const add = (where: string, kind: Found['kind'], v: unknown): void => {
    if (typeof v === 'string') out.push({ file, where, kind, source: v });
  };
  const tools = Array.isArray(obj(doc).tools) ? (obj(doc).tools as unknown[]) : [];
  tools.forEach((t, i) => {
    const tool = obj(t);
    const at = `tools[${i}](${String(tool.name)})`;
    const req = obj(tool.requestTemplate);
    add(`${at}.requestTemplate.url`, 'request', req.url);
    add(`${at}.requestTemplate.body`, 'request', req.body);
    const headers = Array.isArray(req.headers) ? (req.headers as unknown[]) : [];
    headers.forEach((h, j) => add(`${at}.requestTemplate.headers[${j}].value`, 'request', obj(h).value));
    const res = obj(tool.responseTemplate);
    add(`${at}.responseTemplate.body`, 'response', res.body);
    add(`${at}.responseTemplate.prependBody`, 'response', res.prependBody);
    add(`${at}.responseTemplate.appendBody`, 'response', res.appendBody);
    add(`${at}.errorResponseTemplate`, 'response', tool.errorResponseTemplate);
  });
  return out;
}

function loadCorpus(): Found[] {
  const files = readdirSync(CORPUS_DIR).filter((f) => f.endsWith('.yaml') || f.endsWith('.yml')).sort();
  return files.flatMap((f) => collect(f, parseYaml(readFileSync(join(CORPUS_DIR, f), 'utf8'))));
}

const present = existsSync(CORPUS_DIR);
if (!present) {
  console.warn(`[template corpus] skipped: ${CORPUS_DIR} is missing (it lives outside the repository)`);
}

describe.skipIf(!present)('Higress REST-to-MCP corpus templates', () => {
  const templates = present ? loadCorpus() : [];
  const requestSample = { config: { appCode: 'code', apiKey: 'k', baseUrl: 'https://x.test' }, args: { owner: 'o', repo: 'r', timeZone: 'UTC' } };
  const responseSamples: unknown[] = [{}, { results: [], list: [], data: {}, _headers: { ':status': '500' } }];

  it('finds a substantial number of templates in every config', () => {
    expect(templates.length).toBeGreaterThan(300);
    const files = new Set(templates.map((t) => t.file));
    expect(files.size).toBe(readdirSync(CORPUS_DIR).filter((f) => f.endsWith('.yaml') || f.endsWith('.yml')).length);
  });

  it('parses every template without error', () => {
    const failures: string[] = [];
    for (const t of templates) {
      try {
        parseTemplate(t.source, t.where);
      } catch (e) {
        failures.push(`${t.file} ${t.where}: ${(e as Error).message}`);
      }
    }
    expect(failures).toEqual([]);
  });

  it('renders every template over small samples without throwing', () => {
    const failures: string[] = [];
    const funcs = { getRealIP: () => '127.0.0.1', getSocketIP: () => '127.0.0.1' };
    for (const t of templates) {
      const tpl = parseTemplate(t.source, t.where);
      const samples = t.kind === 'request' ? [requestSample] : responseSamples;
      for (const data of samples) {
        try {
          const out = tpl.render(data, { funcs });
          expect(typeof out).toBe('string');
        } catch (e) {
          failures.push(`${t.file} ${t.where}: ${(e as Error).message}`);
        }
      }
    }
    expect(failures).toEqual([]);
  });

  it('renders a corpus request template with real values', () => {
    const t = templates.find((x) => x.source.includes('{{.config.appCode}}'));
    expect(t).toBeDefined();
    const out = parseTemplate(t!.source).render(requestSample);
    expect(out).toContain('code');
    expect(out).not.toContain('{{');
  });
});
