import { afterEach, describe, expect, it } from 'vitest';
import { pino } from 'pino';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { CreateMessageRequestSchema, type CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { Client as ModernClient, StreamableHTTPClientTransport as ModernTransport } from '@modelcontextprotocol/client';
import { loadRemoteFactory, startAgateTarget, type AgateBackendMode, type AgateConformanceTarget } from './agate-target.js';

// `npm run conformance` runs the official suite against these targets; here the same wiring is pinned with the
// SDK Client, so a broken target shows up in `npm test` and not only as a failed suite run.

let target: AgateConformanceTarget | undefined;
let client: Client | undefined;
afterEach(async () => {
  await client?.close();
  await target?.close();
  client = undefined;
  target = undefined;
});

const remoteFactory = await loadRemoteFactory(pino({ level: 'silent' }));
const modes: AgateBackendMode[] = remoteFactory ? ['hosted', 'remote'] : ['hosted'];

describe.each(modes)('conformance target: fixture %s behind agate', (mode) => {
  it('serves the fixture unprefixed at a loopback URL and relays sampling on the call', async () => {
    target = await startAgateTarget(mode, remoteFactory);
    expect(target.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/mcp\/conformance$/);
    client = new Client({ name: 'agate-target-test', version: '0.0.0' }, { capabilities: { sampling: {} } });
    client.setRequestHandler(CreateMessageRequestSchema, () => ({ role: 'assistant', model: 'fake', content: { type: 'text', text: 'pong' } }));
    await client.connect(new StreamableHTTPClientTransport(new URL(target.url)));
    expect(client.getServerCapabilities()).toMatchObject({ logging: {}, completions: {}, resources: { subscribe: true } });
    const names = (await client.listTools()).tools.map((t) => t.name);
    expect(names).toEqual(expect.arrayContaining(['test_simple_text', 'test_sampling', 'test_elicitation']));
    const result = (await client.callTool({ name: 'test_sampling', arguments: { prompt: 'ping' } })) as CallToolResult;
    expect(result.content[0]).toMatchObject({ type: 'text', text: 'LLM response: pong' });
  });
});

describe.skipIf(!remoteFactory)('conformance target: the 2026-only fixture as a remote member of agate', () => {
  it('is reached by a 2026-07-28 client through agate (pass-through), unprefixed', async () => {
    target = await startAgateTarget('modern-remote', remoteFactory);
    const modern = new ModernClient({ name: 'agate-target-test', version: '0.0.0' }, { capabilities: {}, versionNegotiation: { mode: { pin: '2026-07-28' } } });
    await modern.connect(new ModernTransport(new URL(target.url)));
    try {
      const names = (await modern.listTools()).tools.map((t) => t.name);
      expect(names).toEqual(expect.arrayContaining(['test_simple_text', 'test_input_required_result_elicitation', 'test_missing_capability']));
      const result = await modern.callTool({ name: 'test_simple_text', arguments: {} });
      expect(result.content).toEqual([{ type: 'text', text: 'This is a simple text response for testing.' }]);
    } finally {
      await modern.close();
    }
  });
});
