import { stringify } from 'yaml';
import { parseRestConfigText } from '../../../servers/rest-to-mcp/index.js';
import type { CompiledRestConfig, RestMcpServerOptions } from '../../../servers/rest-to-mcp/index.js';
import { createRestMcpServer } from '../../../servers/rest-to-mcp/index.js';
import { connectPair, type McpPair } from '../shared/mcp-pair.js';
import { startUpstream, type LoopbackUpstream } from '../../helpers/loopback-upstream.js';

/** Compiles a config object (via YAML text, like a file) or fails the test with the loader's errors. */
export function compile(doc: unknown): CompiledRestConfig {
  const result = parseRestConfigText(stringify(doc), 'test.yaml');
  if (!result.ok) throw new Error(`config did not load:\n${result.errors.join('\n')}`);
  return result.value;
}

/** The loader's errors for a config that must not load. */
export function loadErrors(doc: unknown): readonly string[] {
  const result = parseRestConfigText(stringify(doc), 'test.yaml');
  if (result.ok) throw new Error('config loaded but should have been refused');
  return result.errors;
}

/** A connected SDK client for the config's server. */
export async function serve(doc: unknown, options: RestMcpServerOptions = {}): Promise<McpPair> {
  return connectPair(createRestMcpServer(compile(doc), options));
}

/** The canonical origin test configs use; the override sends it to the loopback fake. */
export const API = 'https://api.example.com';

/** A fake REST upstream answering every request with `body` (JSON unless a content-type is given). */
export async function jsonUpstream(body: unknown = { ok: true }, status = 200, headers: Record<string, string> = {}): Promise<LoopbackUpstream> {
  return startUpstream('rest', (_req, res) => {
    res.writeHead(status, { 'content-type': 'application/json', ...headers });
    res.end(typeof body === 'string' || Buffer.isBuffer(body) ? body : JSON.stringify(body));
  });
}

/** One-tool config around `tool`, server-level fields merged from `server`. */
export function oneTool(tool: Record<string, unknown>, server: Record<string, unknown> = {}, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { server: { name: 'test-server', ...server }, tools: [{ name: 't', description: 'test tool', ...tool }], ...extra };
}
