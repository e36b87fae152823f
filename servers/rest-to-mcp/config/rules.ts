import { checkMcpProxy, isMcpProxy } from './mcp-proxy.js';
import type { CompiledRestConfig, RestMcpConfig, RestToolConfig } from './types.js';

/** `tools[2] (get_weather)`: how every tool-level message names its tool. */
export function toolLabel(index: number, tool: RestToolConfig): string {
  return `tools[${index}] (${tool.name})`;
}

const BODY_FLAGS = ['argsToJsonBody', 'argsToUrlParam', 'argsToFormBody'] as const;

/**
 * Higress's parse-time rules (higress-mcp.md §2.2, `RestTool.parseTemplates`) plus the few agate adds
 * because the combination can only be a mistake: a body template next to an args* flag (Higress
 * silently ignores the flag) and duplicate tool names (Higress keeps the last one). Duplicate argument
 * names load (published configs have them) with a warning; the last declaration wins, as in Higress.
 */
export function checkConfigRules(config: RestMcpConfig): string[] {
  const errors: string[] = [];
  if (config.server === undefined && config.toolSet === undefined) errors.push('(root): must have a server or a toolSet');
  if (config.server !== undefined && config.toolSet !== undefined) errors.push('(root): server and toolSet are mutually exclusive');
  if (config.toolSet !== undefined && (config.tools?.length ?? 0) > 0) errors.push('tools: a toolSet config cannot declare tools');
  errors.push(...checkSecurity(config));
  // An mcp-proxy server's tools are only names with descriptions and security (Higress McpProxyToolConfig).
  if (config.server !== undefined && isMcpProxy(config)) return [...errors, ...checkMcpProxy(config)];
  const seen = new Set<string>();
  (config.tools ?? []).forEach((tool, i) => {
    if (seen.has(tool.name)) errors.push(`${toolLabel(i, tool)}.name: duplicate tool name`);
    seen.add(tool.name);
    errors.push(...checkTool(tool, i));
  });
  return errors;
}

function checkTool(tool: RestToolConfig, i: number): string[] {
  const label = toolLabel(i, tool);
  const errors: string[] = [];
  const req = tool.requestTemplate;
  const res = tool.responseTemplate;
  if (req?.url !== undefined && req.url !== '') {
    const flags = BODY_FLAGS.filter((f) => req[f]);
    if (flags.length > 1) errors.push(`${label}.requestTemplate: only one of ${flags.join(', ')} may be true`);
    if (req.body !== undefined && req.body !== '') {
      for (const f of flags) errors.push(`${label}.requestTemplate: body and ${f} are mutually exclusive`);
    }
  } else if (res?.body === undefined || res.body === '') {
    errors.push(`${label}.responseTemplate.body: a tool without requestTemplate.url (direct response) must set responseTemplate.body`);
  }
  if (res?.body !== undefined && res.body !== '') {
    for (const f of ['prependBody', 'appendBody'] as const) {
      if (res[f] !== undefined && res[f] !== '') errors.push(`${label}.responseTemplate: body and ${f} are mutually exclusive`);
    }
  }
  return errors;
}

// A scheme must say where its credential goes, and every requirement must name a declared scheme:
// Higress only logs these at call time and then sends the request unauthenticated.
function checkSecurity(config: RestMcpConfig): string[] {
  const errors: string[] = [];
  const ids = new Set<string>();
  (config.server?.securitySchemes ?? []).forEach((s, i) => {
    const at = `server.securitySchemes[${i}] (${s.id})`;
    if (ids.has(s.id)) errors.push(`${at}.id: duplicate security scheme id`);
    ids.add(s.id);
    if (s.type === 'http' && s.scheme === undefined) errors.push(`${at}.scheme: an http scheme needs scheme: basic or bearer`);
    if (s.type === 'apiKey' && (s.in === undefined || s.name === undefined)) errors.push(`${at}: an apiKey scheme needs in and name`);
  });
  const refs: [string, string | undefined][] = [
    ['server.defaultDownstreamSecurity.id', config.server?.defaultDownstreamSecurity?.id],
    ['server.defaultUpstreamSecurity.id', config.server?.defaultUpstreamSecurity?.id],
  ];
  (config.tools ?? []).forEach((t, i) => {
    refs.push([`${toolLabel(i, t)}.security.id`, t.security?.id], [`${toolLabel(i, t)}.requestTemplate.security.id`, t.requestTemplate?.security?.id]);
  });
  for (const [at, id] of refs) {
    if (id !== undefined && !ids.has(id)) errors.push(`${at}: no security scheme with id "${id}" in server.securitySchemes`);
  }
  return errors;
}

/**
 * What is wrong with serving `config` at `baseUrl`: a base URL must be an absolute http(s) URL without query or
 * fragment, and a config with path-only request URLs (`url: /notes/{id}`, which Higress sends to the route's own
 * upstream) needs one. Checked when a server is stored, not when a file loads: the file is a valid Higress config.
 */
export function baseUrlProblems(config: CompiledRestConfig, baseUrl: string | undefined): string[] {
  if (baseUrl !== undefined) {
    let url: URL | undefined;
    try {
      url = new URL(baseUrl);
    } catch {
      url = undefined;
    }
    if (url === undefined || (url.protocol !== 'http:' && url.protocol !== 'https:')) return [`baseUrl: must be an absolute http or https URL (got ${JSON.stringify(baseUrl)})`];
    if (url.search !== '' || url.hash !== '' || url.username !== '' || url.password !== '') return [`baseUrl: must have no query, fragment or credentials (got ${JSON.stringify(baseUrl)})`];
    return [];
  }
  return config.tools.flatMap((tool, i) =>
    tool.request?.pathOnly ? [`tools[${i}] (${tool.name}).requestTemplate.url: ${JSON.stringify(tool.request.url.source)} is a path; the server needs a base URL (--base-url)`] : [],
  );
}
