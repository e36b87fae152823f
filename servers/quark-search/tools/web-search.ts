import { z } from 'zod';
import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import type { HostedToolContext } from '../../shared/tool-context.js';
import { requireSecret } from '../../shared/settings.js';
import { upstreamGet } from '../../shared/upstream-get.js';
import { bodyExcerpt, errorResult, textResult } from '../../shared/tool-result.js';

/** Quark (Alibaba Cloud IQS) generic search endpoint; `query` is the only parameter it takes here. */
const QUARK_SEARCH_URL = 'https://cloud-iqs.aliyuncs.com/search/genericSearch';

const DESCRIPTION = [
  'Performs a web search using the Quark Search API, ideal for general queries, news, articles, and online content.',
  'Use this for broad information gathering, recent events, or when you need diverse web sources.',
  'Because Quark search performs poorly for English searches, please use Chinese for the query parameters.',
].join('\n');

// strictObject: unknown arguments are refused with a clear error instead of silently dropped
// (Higress quirk §8.3). `number` is bounded because it only trims what one upstream page returns.
const inputSchema = z.strictObject({
  query: z.string().min(1).describe('Search query, please use Chinese').meta({ examples: ['黄金价格走势'] }),
  contentMode: z
    .enum(['full', 'summary'])
    .default('summary')
    .describe('Return the level of content detail, choose to use summary or full text'),
  number: z.number().int().min(1).max(20).default(5).describe('Number of results to return (1-20)'),
});

type WebSearchArgs = z.output<typeof inputSchema>;

/** One search hit as rendered into the markdown result. */
interface SearchHit {
  title: string;
  link: string;
  content: string;
}

/** Registers `web_search` on `server`. */
export function registerWebSearch(server: McpServer, ctx: HostedToolContext): void {
  server.registerTool(
    'web_search',
    { title: 'Web search (Quark)', description: DESCRIPTION, inputSchema, annotations: { readOnlyHint: true, openWorldHint: true } },
    (args, extra) => webSearch(args, ctx, extra.signal),
  );
}

async function webSearch(args: WebSearchArgs, ctx: HostedToolContext, signal: AbortSignal): Promise<CallToolResult> {
  const key = requireSecret(ctx.settings, 'quark-search', 'apiKey');
  if (!key.ok) return key.result;
  const res = await upstreamGet(
    { url: QUARK_SEARCH_URL, query: { query: args.query }, headers: { 'x-api-key': key.value }, signal },
    ctx.limits,
  );
  if (!res.ok) return errorResult(`quark search call failed: ${res.error}`);
  if (res.status < 200 || res.status > 299) {
    const excerpt = bodyExcerpt(res.body, [key.value]);
    return errorResult(`quark search call failed, status: ${res.status}${excerpt === '' ? '' : ` (${excerpt})`}`);
  }
  const items = parsePageItems(res.body);
  if (!items.ok) return errorResult(items.error);
  const hits = selectHits(items.value, args.contentMode, args.number);
  return textResult(formatHits(hits, args.query));
}

function parsePageItems(body: string): { ok: true; value: unknown[] } | { ok: false; error: string } {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    return { ok: false, error: `quark search returned malformed JSON (${bodyExcerpt(body)})` };
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    return { ok: false, error: 'quark search returned an unexpected response: expected a JSON object with pageItems' };
  }
  const items = (parsed as { pageItems?: unknown }).pageItems;
  if (items === undefined || items === null) return { ok: true, value: [] };
  if (!Array.isArray(items)) return { ok: false, error: 'quark search returned an unexpected response: pageItems is not an array' };
  return { ok: true, value: items };
}

/**
 * Picks the first `limit` usable hits. Unlike Higress, which compares the raw array index with `number`
 * (so dropped items still use up slots), `limit` counts the hits actually returned.
 */
function selectHits(items: readonly unknown[], mode: 'full' | 'summary', limit: number): SearchHit[] {
  const hits: SearchHit[] = [];
  for (const item of items) {
    if (hits.length >= limit) break;
    const hit = toHit(item, mode);
    if (hit !== undefined) hits.push(hit);
  }
  return hits;
}

function toHit(item: unknown, mode: 'full' | 'summary'): SearchHit | undefined {
  if (item === null || typeof item !== 'object') return undefined;
  const field = (name: string): string => {
    const value = (item as Record<string, unknown>)[name];
    return typeof value === 'string' ? value.trim() : '';
  };
  const content = mode === 'full' ? field('markdownText') || field('mainText') : field('snippet');
  // Titles and links are single-line markdown; collapse any embedded newlines so they cannot add headings.
  const title = field('title').replace(/\s+/g, ' ');
  const link = field('link').replace(/\s+/g, '');
  if (title === '' || link === '' || content === '') return undefined;
  return { title, link, content };
}

/** Renders hits as the markdown document the tool returns. */
function formatHits(hits: readonly SearchHit[], query: string): string {
  if (hits.length === 0) return `# Search Results\n\nNo results found for "${query}".`;
  const entries = hits.map((h) => `## Title: ${h.title}\n\n### Reference URL\n${h.link}\n\n### Content\n${h.content}`);
  return `# Search Results\n\n${entries.join('\n\n')}`;
}
