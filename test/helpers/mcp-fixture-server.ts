import { z } from 'zod';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { CreateMessageResultSchema, ElicitResultSchema, SetLevelRequestSchema, SubscribeRequestSchema } from '@modelcontextprotocol/sdk/types.js';
import { CLIENT_IP_META_KEY, type HostedServerDefinition } from '../../servers/index.js';

/** Test switches shared between a test and the fixture servers it caused the gateway to create. */
export interface FixtureControl {
  /** While true, creating a server fails (the backend is down). */
  down: boolean;
  /** Servers created so far (one per upstream session, plus those the snapshot compiler builds to check options). */
  created: number;
  /** Upstream sessions initialized so far. */
  sessions?: number;
  /** Tool calls that saw their cancellation signal fire. */
  cancelled: number;
  /** `hang` calls that started. */
  hanging?: number;
  /** Levels set with logging/setLevel, in order, across the fixture's sessions. */
  levels?: string[];
  /** URIs subscribed to with resources/subscribe, in order, across the fixture's sessions. */
  subscribed?: string[];
  /** When set, each upstream session logs `unprompted` this long after it initialized, caused by no request. */
  notifyAfterMs?: number;
}

/** A hosted server type for tests: tools that exercise progress, cancellation, crashes and the reverse channel. */
export function fixtureServer(name: string, control: FixtureControl): HostedServerDefinition {
  return {
    name,
    title: `Fixture ${name}`,
    version: '9.9.9',
    description: `fixture server ${name}`,
    settings: [],
    createServer() {
      if (control.down) throw new Error(`${name} is down`);
      control.created++;
      const server = new McpServer({ name, version: '9.9.9' }, { capabilities: { tools: {}, logging: {}, resources: { subscribe: true }, prompts: {} }, instructions: `use ${name}` });
      register(server, control);
      server.server.oninitialized = () => {
        control.sessions = (control.sessions ?? 0) + 1;
        if (control.notifyAfterMs === undefined) return;
        setTimeout(() => void server.server.notification({ method: 'notifications/message', params: { level: 'info', data: 'unprompted' } }).catch(() => {}), control.notifyAfterMs);
      };
      return server;
    },
  };
}

function register(server: McpServer, control: FixtureControl): void {
  const text = (t: string) => ({ content: [{ type: 'text' as const, text: t }] });
  server.registerTool('echo', { description: 'echoes', inputSchema: { text: z.string() } }, ({ text: t }) => text(`echo:${t}`));
  server.registerTool('fail', { description: 'a tool that runs and fails' }, () => ({ ...text('it failed'), isError: true }));
  const slowInput = { steps: z.number().int().min(1).max(20), delayMs: z.number().int().min(0).max(1000).optional() };
  server.registerTool('slow', { description: 'reports progress, delayMs apart', inputSchema: slowInput }, async ({ steps, delayMs }, extra) => {
    const token = extra._meta?.progressToken;
    for (let i = 1; i <= steps; i++) {
      if (delayMs) await new Promise((r) => setTimeout(r, delayMs));
      if (token !== undefined) await extra.sendNotification({ method: 'notifications/progress', params: { progressToken: token, progress: i, total: steps } });
    }
    return text(`done:${steps}`);
  });
  server.registerTool('hang', { description: 'waits until cancelled' }, (extra) => new Promise<ReturnType<typeof text>>((resolve) => {
    control.hanging = (control.hanging ?? 0) + 1;
    extra.signal.addEventListener('abort', () => {
      control.cancelled++;
      resolve(text('cancelled'));
    });
  }));
  server.registerTool('crash', { description: 'the backend dies mid-call' }, () => {
    setImmediate(() => void server.close());
    return new Promise<ReturnType<typeof text>>(() => {});
  });
  server.registerTool('ask', { description: 'asks the client model (sampling)' }, async (extra) => {
    const res = await extra.sendRequest(
      { method: 'sampling/createMessage', params: { messages: [{ role: 'user', content: { type: 'text', text: 'hi?' } }], maxTokens: 5 } },
      CreateMessageResultSchema,
    );
    return text(`model said:${res.content.type === 'text' ? res.content.text : '?'}`);
  });
  server.registerTool('confirm', { description: 'asks the user (elicitation)' }, async (extra) => {
    const res = await extra.sendRequest(
      { method: 'elicitation/create', params: { message: 'sure?', requestedSchema: { type: 'object', properties: { ok: { type: 'boolean' } } } } },
      ElicitResultSchema,
    );
    return text(`user:${res.action}:${JSON.stringify(res.content ?? {})}`);
  });
  server.registerTool('log', { description: 'logs a line' }, async (extra) => {
    await extra.sendNotification({ method: 'notifications/message', params: { level: 'info', data: 'hello from fixture' } });
    return text('logged');
  });
  server.registerTool('whoami', { description: 'returns the caller IP' }, (extra) => text(String(extra._meta?.[CLIENT_IP_META_KEY])));
  server.registerResource('greeting', 'fixture://greeting', { mimeType: 'text/plain' }, (uri) => ({
    contents: [{ uri: uri.href, text: 'hello resource' }],
  }));
  server.server.setRequestHandler(SetLevelRequestSchema, (req) => {
    (control.levels ??= []).push(req.params.level);
    return {};
  });
  server.server.setRequestHandler(SubscribeRequestSchema, (req) => {
    (control.subscribed ??= []).push(req.params.uri);
    return {};
  });
  server.registerPrompt('greet', { argsSchema: { who: z.string() } }, ({ who }) => ({
    messages: [{ role: 'user', content: { type: 'text', text: `greet ${who}` } }],
  }));
}
