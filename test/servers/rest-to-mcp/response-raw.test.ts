// The response (and request) templates end to end: a real loopback upstream, the SDK client, both
// modes. Expected values are what Higress gives: gjson_template prints raw JSON as sent
// (exec.go printValue), fails a body that is not an object or array (Template.execute), and hands
// Sprig raw JSON text (evalFunction); args reach request templates through sjson, i.e. json.Marshal.
import { afterEach, describe, expect, it } from 'vitest';
import { startUpstream, type LoopbackUpstream } from '../../helpers/loopback-upstream.js';
import { textOf, type McpPair } from '../shared/mcp-pair.js';
import { API, jsonUpstream, oneTool, serve } from './helpers.js';

let pair: McpPair | undefined;
let target: LoopbackUpstream | undefined;
afterEach(async () => {
  await pair?.close();
  await target?.close();
  pair = undefined;
  target = undefined;
});

const MODES = ['strict', 'higress'] as const;

/** A one-tool server in `mode` whose GET goes to the loopback upstream. */
async function serveTool(mode: (typeof MODES)[number], tool: Record<string, unknown>): Promise<McpPair> {
  const doc = oneTool({ requestTemplate: { url: `${API}/x`, method: 'GET' }, ...tool }, {}, { agate: { mode } });
  return serve(doc, { originOverrides: { [API]: target!.url } });
}

// Sent as text: a trailing comma, an integer beyond 2^53, `1.50`, integer-like keys out of order.
const BODY = '{"id": 202407011234567890123, "price": 1.50, "tags": {"b": 1, "a": 2, "10": [1, 2]},}';

describe.each(MODES)('response template over the raw body (%s mode)', (mode) => {
  it('prints numbers and containers as sent and ranges in source order', async () => {
    target = await jsonUpstream(BODY);
    pair = await serveTool(mode, { responseTemplate: { body: '{{.id}} {{.price}} {{range $k, $v := .tags}}{{$k}};{{end}} {{.tags}}' } });
    const result = await pair.call('t', {});
    expect(result.isError, JSON.stringify(result)).toBeFalsy();
    expect(textOf(result)).toBe('202407011234567890123 1.50 b;a;10; {"b": 1, "a": 2, "10": [1, 2]}');
  });

  it.each([['text/plain', 'upstream says hi'], ['text/html', '<html><body>busy</body></html>'], ['application/json', '"a JSON string"']])(
    'a %s body that is not a JSON object or array fails the template as in Higress', async (type, body) => {
      target = await jsonUpstream(body, 200, { 'content-type': type });
      pair = await serveTool(mode, { responseTemplate: { body: '{{.a}}' } });
      const result = await pair.call('t', {});
      expect(result.isError).toBe(true);
      expect(textOf(result)).toBe('error executing response template: template: response: data must be a valid JSON object or array');
    });

  it('two concurrent calls each render their own body', async () => {
    target = await startUpstream('rest', (req, res) => {
      const n = new URL(req.url ?? '/', 'http://x').searchParams.get('n') ?? '';
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(`{"n": ${n}, "o": {"k${n}" : ${n}}}`);
    });
    const doc = oneTool({ args: [{ name: 'n', type: 'string' }], requestTemplate: { url: `${API}/x?n={{.args.n}}`, method: 'GET' }, responseTemplate: { body: '{{.n}}|{{.o}}' } }, {}, { agate: { mode } });
    pair = await serve(doc, { originOverrides: { [API]: target.url } });
    const [a, b] = await Promise.all([pair.call('t', { n: '1.10' }), pair.call('t', { n: '2e0' })]);
    expect(textOf(a)).toBe('1.10|{"k1.10" : 1.10}');
    expect(textOf(b)).toBe('2e0|{"k2e0" : 2e0}');
  });
});

// Request templates see `.args` the way Higress builds them: sjson.SetBytes → json.Marshal (sorted
// keys, <>& escaped). In higress mode Sprig then receives that JSON text; strict mode hands values.
describe('Sprig on objects in request templates', () => {
  const tool = {
    args: [{ name: 'labels', type: 'array', items: { type: 'string' } }, { name: 'filter', type: 'object' }],
    requestTemplate: { url: `${API}/x`, method: 'POST', body: 'labels={{.args.labels | join ","}}&filter={{toJson .args.filter}}' },
  };
  const args = { labels: ['bug', 'ui'], filter: { b: '<x>', a: 1 } };

  it.each([
    // join: strslice("[\"bug\",\"ui\"]") is that string; toJson marshals the text as a JSON string.
    ['higress', 'labels=["bug","ui"]&filter="{\\"a\\":1,\\"b\\":\\"\\\\u003cx\\\\u003e\\"}"'],
    ['strict', 'labels=bug,ui&filter={"a":1,"b":"\\u003cx\\u003e"}'],
  ] as const)('%s mode', async (mode, want) => {
    target = await jsonUpstream({ ok: true });
    pair = await serveTool(mode, tool);
    const result = await pair.call('t', args);
    expect(result.isError, JSON.stringify(result)).toBeFalsy();
    expect(target.requests[0]?.body).toBe(want);
  });
});
