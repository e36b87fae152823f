import { z } from 'zod';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import type { HostedServerDefinition, HostedServerOptions } from '../hosted-server.js';
import { createToolContext } from '../shared/tool-context.js';
import { errorResult } from '../shared/tool-result.js';

const INFO = { name: 'time', title: 'Time', version: '1.0.0' } as const;
const DESCRIPTION = 'The current date and time, in UTC or any IANA time zone.';

const inputSchema = z.strictObject({
  timezone: z
    .string()
    .min(1)
    .max(64)
    .optional()
    .describe('IANA time zone, e.g. Asia/Shanghai or Europe/Paris (default: the server setting, else UTC)'),
});

/** The `time` hosted server: one tool, `get_current_time`; needs no upstream, so the router works end to end. */
export const timeServer: HostedServerDefinition = Object.freeze({
  ...INFO,
  description: DESCRIPTION,
  settings: Object.freeze([
    Object.freeze({ name: 'defaultTimezone', description: 'Time zone used when the caller names none', secret: false, required: false }),
  ]),
  createServer(options: HostedServerOptions): McpServer {
    const ctx = createToolContext(options);
    const fallback = ctx.settings.defaultTimezone?.trim() || 'UTC';
    if (!isTimeZone(fallback)) throw new Error(`defaultTimezone "${fallback}" is not an IANA time zone`);
    const server = new McpServer({ ...INFO }, { capabilities: { tools: {} }, instructions: DESCRIPTION });
    server.registerTool(
      'get_current_time',
      { title: 'Current time', description: 'Returns the current date and time in a time zone.', inputSchema, annotations: { readOnlyHint: true } },
      (args) => currentTime(args.timezone ?? fallback, new Date()),
    );
    return server;
  },
});

/** Formats `now` in `timezone` as text plus structured fields; an unknown zone is a tool error. */
export function currentTime(timezone: string, now: Date): CallToolResult {
  if (!isTimeZone(timezone)) return errorResult(`unknown time zone "${timezone}": use an IANA name such as Europe/Paris`);
  const parts = new Intl.DateTimeFormat('en-CA', {
    timeZone: timezone,
    hourCycle: 'h23',
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
  }).formatToParts(now);
  const get = (type: string) => parts.find((p) => p.type === type)?.value ?? '';
  const local = `${get('year')}-${get('month')}-${get('day')} ${get('hour')}:${get('minute')}:${get('second')}`;
  return { content: [{ type: 'text', text: `${local} (${timezone}); UTC ${now.toISOString()}` }] };
}

function isTimeZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat('en', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}
