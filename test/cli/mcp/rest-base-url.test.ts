import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { runCli } from '../../helpers/cli.js';
import { startTestGateway, waitFor, type TestGateway } from '../../helpers/gateway.js';
import { startUpstream, type LoopbackUpstream } from '../../helpers/loopback-upstream.js';
import { connectMcp } from '../../helpers/mcp.js';
import { tempDir } from '../../helpers/temp-dir.js';

// A Higress config whose URLs are paths (Higress sends them to the route's own upstream, as hackmd's do) and
// whose {{.config.accessToken}} has no server.config entry: agate needs a server-level base URL for the first and
// must accept --secret accessToken=… for the second.
const NOTES = `server:
  name: notes
tools:
  - name: get_note
    description: Get a note
    args:
      - name: noteId
        description: note id
        type: string
        required: true
        position: path
    requestTemplate:
      url: /notes/{noteId}
      method: GET
      headers:
        - key: Authorization
          value: "Bearer {{.config.accessToken}}"
  - name: list_notes
    description: List notes
    requestTemplate:
      url: /notes
      method: GET
`;

describe('path-only request URLs and a server base URL (agate mcp add --base-url)', () => {
  const tmp = tempDir();
  const file = join(tmp.dir, 'notes.yaml');
  let gw: TestGateway;
  let upstream: LoopbackUpstream;
  const clients: Client[] = [];
  const cli = (...args: string[]) => runCli(args, gw.dbPath, { AGATE_KEY: '' });

  beforeAll(async () => {
    writeFileSync(file, NOTES);
    gw = await startTestGateway();
    upstream = await startUpstream('notes-api', (req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ path: req.url, auth: req.headers.authorization ?? null }));
    });
  });
  afterAll(async () => {
    for (const c of clients) await c.close();
    await gw?.stop();
    await upstream?.close();
    tmp.cleanup();
  });

  it('without a base URL the server is refused at write time, naming the tool and the field', async () => {
    const r = await cli('mcp', 'add', 'notes', file, '--secret', 'accessToken=tok-1');
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('tools[0] (get_note).requestTemplate.url: "/notes/{noteId}" is a path; the server needs a base URL (--base-url)');
    expect(r.stderr).toContain('tools[1] (list_notes).requestTemplate.url');
    expect(gw.registry.mcpServers.get('notes')).toBeUndefined();
  });

  it('a base URL that is no http(s) URL is refused, naming the flag', async () => {
    const r = await cli('mcp', 'add', 'notes', file, '--base-url', 'ftp://files.example', '--secret', 'accessToken=tok-1');
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('--base-url: must be an absolute http or https URL (got "ftp://files.example")');
  });

  it('with --base-url the calls go to base URL + path, {{.config.accessToken}} from --secret', async () => {
    const base = `${upstream.url}/api/`;
    const r = await cli('mcp', 'add', 'notes', file, '--base-url', base, '--secret', 'accessToken=tok-1');
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const spec = gw.registry.mcpServers.get('notes')!;
    expect(spec.backend).toMatchObject({ kind: 'rest', baseUrl: base });
    await waitFor(() => gw.snapshots.current()?.mcp.servers.has('notes'), 'notes served');
    for (const transport of ['streamable-http', 'sse'] as const) {
      const client = await connectMcp(gw, 'notes', { transport });
      clients.push(client);
      const one = (await client.callTool({ name: 'get_note', arguments: { noteId: `a b/${transport}` } })) as CallToolResult;
      expect(one.isError, JSON.stringify(one)).toBeFalsy();
      expect(JSON.parse((one.content[0] as { text: string }).text)).toEqual({ path: `/api/notes/a%20b%2F${transport}`, auth: 'Bearer tok-1' });
    }
    const all = (await clients[0]!.callTool({ name: 'list_notes', arguments: {} })) as CallToolResult;
    expect(JSON.parse((all.content[0] as { text: string }).text)).toEqual({ path: '/api/notes', auth: null });
    expect(upstream.requests.map((q) => q.method)).toEqual(['GET', 'GET', 'GET']);
  });

  it('a --setting/--secret no template references is still refused', async () => {
    const r = await cli('mcp', 'add', 'notes2', file, '--base-url', upstream.url, '--secret', 'acessToken=typo');
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('has no setting "acessToken" (known: accessToken)');
  });

  it('apply checks backend.baseUrl the same way; a template key nobody set fails only the tools that read it', async () => {
    const applyFile = join(tmp.dir, 'apply.yaml');
    const server = (backend: Record<string, unknown>) => stringify({ mcpServers: [{ name: 'notes3', backend: { kind: 'rest', config: parse(NOTES), ...backend } }] });
    writeFileSync(applyFile, server({}));
    const bad = await cli('apply', '-f', applyFile);
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toContain('mcpServer "notes3": backend.config.tools[0] (get_note).requestTemplate.url: "/notes/{noteId}" is a path; the server needs a base URL');
    writeFileSync(applyFile, server({ baseUrl: upstream.url }));
    const good = await cli('apply', '-f', applyFile);
    expect({ code: good.code, stderr: good.stderr }).toEqual({ code: 0, stderr: '' });
    await waitFor(() => gw.snapshots.current()?.mcp.servers.has('notes3'), 'notes3 served');
    const client = await connectMcp(gw, 'notes3');
    clients.push(client);
    const before = upstream.requests.length;
    const unset = (await client.callTool({ name: 'get_note', arguments: { noteId: 'n1' } })) as CallToolResult;
    expect(unset.isError).toBe(true);
    expect((unset.content[0] as { text: string }).text).toContain('notes is not configured: set "accessToken"');
    const all = (await client.callTool({ name: 'list_notes', arguments: {} })) as CallToolResult;
    expect(JSON.parse((all.content[0] as { text: string }).text)).toEqual({ path: '/notes', auth: null });
    expect(upstream.requests.length).toBe(before + 1);
  });
});

describe('agate mcp validate on a config with path-only URLs', () => {
  const tmp = tempDir();
  const file = join(tmp.dir, 'notes.yaml');
  const db = join(tmp.dir, 'v.db');
  afterAll(() => tmp.cleanup());

  it('loads (it is a valid Higress config) and warns that mcp add needs --base-url; --base-url is checked', async () => {
    writeFileSync(file, NOTES);
    const plain = await runCli(['mcp', 'validate', file], db);
    expect(plain.code).toBe(0);
    expect(plain.stderr).toContain('warning: tools[0] (get_note).requestTemplate.url: "/notes/{noteId}" is a path; the server needs a base URL (--base-url)');
    const based = await runCli(['mcp', 'validate', file, '--base-url', 'https://notes.example/api'], db);
    expect({ code: based.code, stderr: based.stderr }).toEqual({ code: 0, stderr: '' });
    const bad = await runCli(['mcp', 'validate', file, '--base-url', 'https://notes.example/?x=1'], db);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('--base-url: must have no query, fragment or credentials');
  });
});
