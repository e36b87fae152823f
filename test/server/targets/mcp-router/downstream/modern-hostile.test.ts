import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestGateway, type TestGateway } from '../../../../helpers/gateway.js';
import { fixtureServer, type FixtureControl } from '../../../../helpers/mcp-fixture-server.js';
import { addMcpServer } from '../../../../helpers/mcp.js';
import { envelope, modernPost } from '../../../../helpers/mcp-modern.js';
import { startHealthzProbe } from '../../../../helpers/loop-probe.js';

// Hostile 2026-07-28 input from an anonymous client: floods of requests whose headers lie about the body, with
// oversized `_meta`, and valid ones, all at once. Each gets its own specific answer, a refused one starts nothing
// upstream, and the gateway keeps answering /healthz meanwhile.
describe('hostile 2026-07-28 requests', () => {
  let gw: TestGateway;
  const control: FixtureControl = { down: false, created: 0, cancelled: 0 };

  beforeAll(async () => {
    gw = await startTestGateway({ gateway: { hostedServers: new Map([['fixture', fixtureServer('fixture', control)]]) } });
    await addMcpServer(gw, { name: 'fx', backend: { kind: 'hosted', server: 'fixture', settings: {}, secretSettings: {} } });
  });
  afterAll(async () => {
    await gw?.stop();
  });

  const call = (text: string, meta: Record<string, unknown> = {}) => ({ method: 'tools/call', params: { name: 'echo', arguments: { text }, _meta: envelope(meta) } });
  /** ~256 KiB of `_meta` in 4 096 keys: big, under the 4 MiB body limit. */
  const bigMeta = Object.fromEntries(Array.from({ length: 4096 }, (_, i) => [`com.example/k${i}`, 'v'.repeat(60)]));

  it('answers a mixed flood one by one, starts nothing for refusals, and /healthz keeps answering', async () => {
    const created = control.created;
    const kinds = ['lying-name', 'lying-method', 'big-meta', 'valid'] as const;
    const send = (kind: (typeof kinds)[number], i: number) => {
      if (kind === 'lying-name') return modernPost(gw, 'fx', call(`n${i}`), { 'mcp-name': 'fail' });
      if (kind === 'lying-method') return modernPost(gw, 'fx', call(`m${i}`), { 'mcp-method': 'tools/list' });
      if (kind === 'big-meta') return modernPost(gw, 'fx', call(`b${i}`, bigMeta), { 'mcp-name': 'nope' });
      return modernPost(gw, 'fx', call(`v${i}`));
    };
    const probe = startHealthzProbe(gw.adminUrl);
    const sent = Array.from({ length: 240 }, (_, i) => kinds[i % kinds.length]!);
    const answers = await Promise.all(sent.map((kind, i) => send(kind, i)));
    const probes = await probe.stop();

    answers.forEach((r, i) => {
      if (sent[i] === 'valid') {
        expect(r.status).toBe(200);
        expect(r.json.result.content[0].text).toBe(`echo:v${i}`);
      } else {
        expect(r.status).toBe(400);
        expect(r.json.error.code).toBe(-32020);
      }
    });
    // Only the valid requests reached the member (one upstream session each; refusals open none).
    expect(control.created - created).toBe(sent.filter((k) => k === 'valid').length);
    expect(probes.length).toBeGreaterThanOrEqual(3);
    expect(probes.sort((a, b) => a - b)[probes.length >> 1]).toBeLessThan(250);
  });

  it('a _meta past the body limit is 413 before it is parsed', async () => {
    const huge = { 'com.example/pad': 'x'.repeat(5 * 1024 * 1024) };
    const r = await modernPost(gw, 'fx', call('h', huge));
    expect(r.status).toBe(413);
    expect(r.json.error.data.code).toBe('GW_ERR_MCP_BODY_TOO_LARGE');
  });
});
