import { request, type Dispatcher } from 'undici';

/**
 * A minimal Streamable HTTP MCP client over undici for load generation: thousands of sessions cost the load
 * generator almost nothing, unlike as many SDK clients. It checks every answer (right id, a result, no
 * `isError`), so a benchmark can count errors honestly.
 */
export class RawMcpSession {
  sessionId = '';
  private nextId = 1;

  constructor(
    private readonly url: string,
    private readonly dispatcher: Dispatcher,
    /** Sent with every request (a credential: `authorization`, `x-api-key`). */
    private readonly extraHeaders: Readonly<Record<string, string>> = {},
  ) {}

  /** initialize + notifications/initialized; throws unless both succeed. */
  async initialize(): Promise<void> {
    const init = { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'bench', version: '1' } };
    const { headers } = await this.rpc('initialize', init);
    const id = headers['mcp-session-id'];
    if (typeof id !== 'string') throw new Error('initialize: no Mcp-Session-Id');
    this.sessionId = id;
    const res = await this.post({ jsonrpc: '2.0', method: 'notifications/initialized' });
    await res.body.dump();
    if (res.statusCode !== 202) throw new Error(`notifications/initialized: HTTP ${res.statusCode}`);
  }

  /** One tools/call of `echo`; resolves with the round-trip time in ms, throws on any failure. */
  async echo(text: string): Promise<number> {
    const t0 = performance.now();
    const { message } = await this.rpc('tools/call', { name: 'echo', arguments: { text } });
    const result = message.result as { isError?: boolean; content?: Array<{ text?: string }> };
    if (result.isError || result.content?.[0]?.text !== text) throw new Error(`echo: unexpected result ${JSON.stringify(result)}`);
    return performance.now() - t0;
  }

  /** One tools/call of any tool; resolves with its first text block, throws on an error or `isError` result. */
  async callTool(name: string, args: Record<string, unknown>): Promise<string> {
    const { message } = await this.rpc('tools/call', { name, arguments: args });
    const result = message.result as { isError?: boolean; content?: Array<{ text?: string }> };
    const text = result.content?.[0]?.text;
    if (result.isError || typeof text !== 'string') throw new Error(`${name}: unexpected result ${JSON.stringify(result).slice(0, 300)}`);
    return text;
  }

  /** Opens the session's standalone GET stream and leaves it open; resolves once its headers arrived. */
  async openStream(signal: AbortSignal): Promise<void> {
    const res = await request(this.url, { method: 'GET', dispatcher: this.dispatcher, headers: this.headers('text/event-stream'), signal });
    if (res.statusCode !== 200) {
      await res.body.dump();
      throw new Error(`GET stream: HTTP ${res.statusCode}`);
    }
    // Drain keep-alive comments so the socket never stalls; the stream ends when `signal` aborts.
    res.body.on('data', () => {});
    res.body.on('error', () => {});
  }

  /** Ends the session (DELETE). */
  async close(): Promise<void> {
    const res = await request(this.url, { method: 'DELETE', dispatcher: this.dispatcher, headers: this.headers('application/json, text/event-stream') });
    await res.body.dump();
  }

  private async rpc(method: string, params: unknown): Promise<{ message: Record<string, unknown>; headers: Record<string, string | string[] | undefined> }> {
    const id = this.nextId++;
    const res = await this.post({ jsonrpc: '2.0', id, method, params });
    const text = await res.body.text();
    if (res.statusCode !== 200) throw new Error(`${method}: HTTP ${res.statusCode} ${text.slice(0, 200)}`);
    const message = findReply(text, String(res.headers['content-type'] ?? ''), id);
    if (!message) throw new Error(`${method}: no reply with id ${id} in ${text.slice(0, 200)}`);
    if (message.error) throw new Error(`${method}: ${JSON.stringify(message.error)}`);
    return { message, headers: res.headers };
  }

  private post(body: unknown): Promise<Dispatcher.ResponseData> {
    const headers = { ...this.headers('application/json, text/event-stream'), 'content-type': 'application/json' };
    return request(this.url, { method: 'POST', dispatcher: this.dispatcher, headers, body: JSON.stringify(body) });
  }

  private headers(accept: string): Record<string, string> {
    const h: Record<string, string> = { ...this.extraHeaders, accept, 'mcp-protocol-version': '2025-11-25' };
    if (this.sessionId) h['mcp-session-id'] = this.sessionId;
    return h;
  }
}

/** The JSON-RPC reply with `id` in a JSON or SSE body. */
/** The JSON-RPC answer with `id` in a JSON or event-stream response body. */
export function findReply(text: string, contentType: string, id: number): Record<string, unknown> | undefined {
  if (!contentType.includes('text/event-stream')) {
    const body = JSON.parse(text) as Record<string, unknown>;
    return body.id === id ? body : undefined;
  }
  for (const line of text.split('\n')) {
    if (!line.startsWith('data:')) continue;
    const data = line.slice(5).trim();
    if (data === '') continue; // a priming event
    const message = JSON.parse(data) as Record<string, unknown>;
    if (message.id === id) return message;
  }
  return undefined;
}
