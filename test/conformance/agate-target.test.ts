import { afterEach, describe, expect, it } from 'vitest';
import { pino } from 'pino';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { CreateMessageRequestSchema, type CallToolResult } from '@modelcontextprotocol/sdk/types.js';
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
