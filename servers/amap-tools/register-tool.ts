import { z } from 'zod';
import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import type { HostedToolContext } from '../shared/tool-context.js';
import { requireSecret } from '../shared/settings.js';
import { upstreamGet } from '../shared/upstream-get.js';
import { bodyExcerpt, errorResult, textResult } from '../shared/tool-result.js';
import { judgeAmapBody } from './amap-response.js';
import type { AmapArgs, AmapParam, AmapToolSpec } from './tool-spec.js';

/** Registers one `maps_*` tool described by `spec` on `server`. */
export function registerAmapTool(server: McpServer, spec: AmapToolSpec, ctx: HostedToolContext): void {
  server.registerTool(
    spec.name,
    {
      title: spec.title,
      description: spec.description,
      inputSchema: inputSchemaFor(spec.params),
      annotations: { readOnlyHint: true, openWorldHint: true },
    },
    (args, extra) => callAmap(spec, args as AmapArgs, { ctx, signal: extra.signal, meta: extra._meta }),
  );
}

/** The tool's input schema: every parameter a string, unknown arguments refused. */
function inputSchemaFor(params: readonly AmapParam[]): z.ZodObject {
  const shape: Record<string, z.ZodType> = {};
  for (const p of params) {
    // A required parameter must also be non-empty: AMap answers "" with an INVALID_PARAMS rejection.
    const base = p.enum !== undefined ? z.enum(p.enum) : p.required ? z.string().min(1) : z.string();
    shape[p.name] = (p.required ? base : base.optional()).describe(p.description);
  }
  return z.strictObject(shape);
}

interface CallScope {
  ctx: HostedToolContext;
  signal: AbortSignal;
  meta: Readonly<Record<string, unknown>> | undefined;
}

async function callAmap(spec: AmapToolSpec, args: AmapArgs, scope: CallScope): Promise<CallToolResult> {
  const key = requireSecret(scope.ctx.settings, 'amap-tools', 'apiKey');
  if (!key.ok) return key.result;
  const prepared = spec.prepare ? spec.prepare(args, scope.meta) : { ok: true as const, query: args };
  if (!prepared.ok) return errorResult(prepared.error);
  const query: Record<string, string | undefined> = {};
  for (const p of spec.params) {
    const value = prepared.query[p.name];
    // Empty optional values are left out: AMap treats "city=" differently from no city at all.
    query[p.name] = value === undefined || value === '' ? undefined : value;
  }
  Object.assign(query, spec.fixedQuery, { key: key.value, source: 'ts_mcp' });
  const res = await upstreamGet({ url: spec.url, query, signal: scope.signal }, scope.ctx.limits);
  if (!res.ok) return errorResult(`${spec.name} call failed: ${res.error}`);
  if (res.status < 200 || res.status > 299) {
    const excerpt = bodyExcerpt(res.body, [key.value]);
    return errorResult(`${spec.name} call failed, status: ${res.status}${excerpt === '' ? '' : ` (${excerpt})`}`);
  }
  const verdict = judgeAmapBody(spec.name, res.body);
  return verdict.ok ? textResult(res.body) : errorResult(verdict.error);
}
