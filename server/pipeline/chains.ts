/**
 * The request chains, side by side: the one place that says which filters run, in which order, and what ends each
 * chain. The snapshot compilers build the filters (each from its own config) and hand them over by stage name;
 * the order comes from here only. README.md in this folder draws the same chains, and a test keeps the two equal.
 */
import { compose } from './compose.js';
import type { Filter, GatewayContext } from './types.js';

/** One chain: its filter stages in execution order, then the terminals it may end in (the first one given ends it). */
export interface ChainDeclaration<S extends string, T extends string> {
  readonly stages: readonly S[];
  readonly terminals: readonly T[];
}

/** A stage is one filter, several (the gateway's leading filters), or absent when its config does not ask for it. */
type Stage = Filter | readonly Filter[] | undefined;

/** What a compiler hands over: a filter (or none) for every stage, a terminal for at least one terminal name. */
type Parts<S extends string, T extends string> = { readonly [K in S]: Stage } & { readonly [K in T]?: Filter };

/** A compiled chain: runs one request (or one MCP message) to its end. */
export type Chain = (ctx: GatewayContext) => Promise<void>;

function declare<S extends string, T extends string>(stages: readonly S[], terminals: readonly T[]): ChainDeclaration<S, T> {
  return Object.freeze({ stages: Object.freeze([...stages]), terminals: Object.freeze([...terminals]) });
}

/**
 * Every chain. `http` ends in route-match, which runs the matched route's own `http-route` chain. A route
 * configures its filters, never their order: CORS precedes auth so preflights need no credentials; auth precedes
 * rate limiting so `by: consumer` sees the consumer. The LLM body is read and checked right after observability,
 * so even a refused body is logged and counted. The MCP per-message chains run for each JSON-RPC request inside a
 * session, once for the endpoint's server and once more for the bundle member it reaches (design.md §9).
 */
export const CHAINS = Object.freeze({
  http: declare(['observability'], ['route-match']),
  'http-route': declare(['ip-access', 'cors', 'auth', 'rate-limit', 'body-limit'], ['redirect', 'direct-response', 'dispatch']),
  llm: declare(['observability', 'llm-body', 'auth', 'llm-route-match', 'llm-usage', 'llm-limits', 'llm-budget'], ['dispatch']),
  mcp: declare(['observability', 'oauth-metadata', 'mcp-origin', 'auth', 'mcp-endpoint'], ['dispatch']),
  'mcp-admit': declare(['consumer-allow-list'], ['admitted']),
  'mcp-tool-call': declare(['consumer-allow-list', 'tool-gate', 'rate-limit-per-consumer', 'rate-limit-per-tool'], ['admitted']),
  'mcp-settings': declare(['rate-limit'], ['consumer-settings']),
});

/** The names of the declared chains. */
export type ChainName = keyof typeof CHAINS;

type StagesOf<N extends ChainName> = (typeof CHAINS)[N] extends ChainDeclaration<infer S, string> ? S : never;
type TerminalsOf<N extends ChainName> = (typeof CHAINS)[N] extends ChainDeclaration<string, infer T> ? T : never;

/** Builds chain `name` from its parts, in the declared order; throws GW_ERR_PIPELINE_UNTERMINATED without a terminal. */
export function buildChain<N extends ChainName>(name: N, parts: Parts<StagesOf<N>, TerminalsOf<N>>): Chain {
  const declaration = CHAINS[name] as ChainDeclaration<StagesOf<N>, TerminalsOf<N>>;
  const filters: Filter[] = [];
  for (const stage of declaration.stages) {
    const part: Stage = parts[stage];
    if (typeof part === 'function') filters.push(part);
    else if (part) filters.push(...part);
  }
  const terminal = declaration.terminals.map((t) => (parts as Partial<Record<string, Filter>>)[t]).find((f) => f !== undefined);
  return compose(filters, terminal as Filter);
}

/** The terminal of the MCP per-message chains: the message passed every check and may go on to the backend. */
export const admitted: Filter = async function admitMessage() {};
