import { request, type Dispatcher } from 'undici';
import { findReply } from './mcp-raw-client.js';

/** The 2026-07-28 `_meta` envelope of every request (basic/index.mdx §_meta), spelled out as the spec names it. */
const ENVELOPE = {
  'io.modelcontextprotocol/protocolVersion': '2026-07-28',
  'io.modelcontextprotocol/clientInfo': { name: 'bench', version: '1' },
  'io.modelcontextprotocol/clientCapabilities': {},
};

/**
 * A minimal 2026-07-28 client over undici for load generation: no session, every `tools/call` carries the `_meta`
 * envelope and the `MCP-Protocol-Version`/`Mcp-Method`/`Mcp-Name` headers (streamable-http.mdx §Request Metadata).
 * Every answer is checked (right id, the echoed text, no `isError`), so errors are counted honestly.
 */
export class RawModernClient {
  private nextId = 1;

  constructor(
    private readonly url: string,
    private readonly dispatcher: Dispatcher,
    /** Sent with every request (a credential: `x-api-key`). */
    private readonly extraHeaders: Readonly<Record<string, string>> = {},
  ) {}

  /** One tools/call of `echo`; throws on any failure. */
  async echo(text: string): Promise<void> {
    const id = this.nextId++;
    const body = JSON.stringify({ jsonrpc: '2.0', id, method: 'tools/call', params: { name: 'echo', arguments: { text }, _meta: ENVELOPE } });
    const headers = {
      'content-type': 'application/json',
      accept: 'application/json, text/event-stream',
      'mcp-protocol-version': '2026-07-28',
      'mcp-method': 'tools/call',
      'mcp-name': 'echo',
      ...this.extraHeaders,
    };
    const res = await request(this.url, { method: 'POST', dispatcher: this.dispatcher, headers, body });
    const raw = await res.body.text();
    if (res.statusCode !== 200) throw new Error(`tools/call: HTTP ${res.statusCode} ${raw.slice(0, 200)}`);
    const message = findReply(raw, String(res.headers['content-type'] ?? ''), id) as { result?: { isError?: boolean; content?: Array<{ text?: string }> }; error?: unknown } | undefined;
    if (!message || message.error || message.result?.isError || message.result?.content?.[0]?.text !== text) {
      throw new Error(`tools/call: unexpected answer ${raw.slice(0, 300)}`);
    }
  }
}
