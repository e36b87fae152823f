import type { ValidateFunction } from 'ajv/dist/2020.js';
import type { CompiledTemplate } from '../template/index.js';

// Raw shapes mirror schemas/rest-mcp-config.schema.json after ajv has applied its defaults.

/** A security scheme (`server.securitySchemes[]`, higress-mcp.md §2.5). */
export interface SecurityScheme {
  readonly id: string;
  readonly type: 'http' | 'apiKey';
  readonly scheme?: 'basic' | 'bearer';
  readonly in?: 'header' | 'query' | 'cookie';
  readonly name?: string;
  readonly defaultCredential?: string;
}

/** A reference to a scheme, with an optional credential or client passthrough. */
export interface SecurityRequirement {
  readonly id: string;
  readonly credential?: string;
  readonly passthrough?: boolean;
}

/** One tool argument as written in the config. */
export interface RestToolArg {
  readonly name: string;
  readonly description: string;
  readonly type: string;
  readonly required: boolean;
  readonly default?: unknown;
  readonly enum?: readonly unknown[];
  readonly items?: Readonly<Record<string, unknown>>;
  readonly properties?: Readonly<Record<string, unknown>>;
  readonly position?: string;
  /** JSON Schema keywords written on the argument (`format`, `minimum`, ...), kept in its inputSchema. */
  readonly keywords?: Readonly<Record<string, unknown>>;
}

/** `requestTemplate` as written. */
export interface RestRequestTemplate {
  readonly url?: string;
  readonly method: string;
  readonly headers: readonly { readonly key: string; readonly value: string }[];
  readonly body?: string;
  readonly argsToJsonBody: boolean;
  readonly argsToUrlParam: boolean;
  readonly argsToFormBody: boolean;
  readonly security?: SecurityRequirement;
}

/** One tool as written. */
export interface RestToolConfig {
  readonly name: string;
  readonly description: string;
  /** Higress: tool served to legacy clients only; agate serves it to all (its schema compiles here). */
  readonly legacyOnly?: boolean;
  readonly security?: SecurityRequirement;
  readonly args: readonly RestToolArg[];
  readonly requestTemplate?: RestRequestTemplate;
  readonly responseTemplate?: { readonly body?: string; readonly prependBody?: string; readonly appendBody?: string };
  readonly errorResponseTemplate?: string;
  readonly outputSchema?: Readonly<Record<string, unknown>>;
  readonly annotations?: Readonly<Record<string, unknown>>;
}

/** agate-only options (`agate:` in the file); Higress ignores the key. */
export interface AgateRestOptions {
  readonly mode: RestMode;
  readonly allowHosts: readonly string[];
  readonly originOverrides?: Readonly<Record<string, string>>;
  readonly timeoutMs?: number;
  readonly maxResponseBytes?: number;
  /** Follow 3xx answers (Higress never does: a 3xx is `call failed, status: 302, …`). */
  readonly followRedirects?: boolean;
  readonly tools?: Readonly<Record<string, { readonly timeoutMs?: number; readonly maxResponseBytes?: number }>>;
}

/** `strict` validates and refuses; `higress` reproduces Higress's lenient argument handling. */
export type RestMode = 'strict' | 'higress';

/** A whole config file, defaults applied. */
export interface RestMcpConfig {
  readonly server?: {
    readonly name: string;
    readonly description?: string;
    /** `mcp-proxy`, or anything else (Higress: `rest`, `rest-api`, ...) for a REST server. */
    readonly type: string;
    /** Version reported in `initialize`. */
    readonly version?: string;
    readonly mcpServerURL?: string;
    readonly transport?: 'http' | 'streamable-http' | 'sse';
    readonly protocolStrategy?: 'legacy' | 'modern';
    /** mcp-proxy upstream timeout, ms. */
    readonly timeout?: number;
    readonly config?: Readonly<Record<string, unknown>>;
    readonly securitySchemes?: readonly SecurityScheme[];
    readonly defaultDownstreamSecurity?: SecurityRequirement;
    readonly defaultUpstreamSecurity?: SecurityRequirement;
    readonly passthroughAuthHeader: boolean;
  };
  readonly allowTools?: readonly string[];
  readonly tools?: readonly RestToolConfig[];
  readonly toolSet?: { readonly name: string; readonly serverTools: readonly { readonly serverName: string; readonly tools: readonly string[] }[] };
  readonly agate?: AgateRestOptions;
}

/** Where an argument goes in the upstream request; `default` = no (or an unknown) position. */
export type ArgPosition = 'path' | 'query' | 'header' | 'cookie' | 'body' | 'default';

/** How args become the request body when there is no body template. */
export type BodyMode = 'json' | 'form' | 'url' | 'none';

/** A header whose value is a parsed template. */
export interface CompiledHeader {
  readonly key: string;
  readonly value: CompiledTemplate;
}

/** The request half of a tool, templates parsed once. */
export interface CompiledRequest {
  readonly url: CompiledTemplate;
  /** The URL is a path (`/notes/{id}`): Higress sends it to the route's upstream, agate to the server's base URL. */
  readonly pathOnly: boolean;
  readonly method: string;
  readonly headers: readonly CompiledHeader[];
  readonly body?: CompiledTemplate;
  readonly bodyMode: BodyMode;
  readonly security?: SecurityRequirement;
}

/** A tool ready to serve: schema built, templates parsed, limits resolved. */
export interface CompiledTool {
  readonly name: string;
  readonly description: string;
  readonly args: readonly RestToolArg[];
  readonly positions: ReadonlyMap<string, ArgPosition>;
  readonly inputSchema: Readonly<Record<string, unknown>>;
  readonly outputSchema?: Readonly<Record<string, unknown>>;
  readonly annotations?: Readonly<Record<string, unknown>>;
  readonly security?: SecurityRequirement;
  /** Absent for a direct-response tool (no url): the response template renders over {config,args}. */
  readonly request?: CompiledRequest;
  readonly responseBody?: CompiledTemplate;
  /** The response template mentions `.args` (strict mode then offers the call's args to it). */
  readonly responseReadsArgs: boolean;
  readonly prependBody: string;
  readonly appendBody: string;
  readonly errorResponse?: CompiledTemplate;
  /** Tool-specific limits from `agate.tools.<name>`; they beat server options and `agate` defaults. */
  readonly timeoutMs?: number;
  readonly maxResponseBytes?: number;
  /** Strict mode only: the compiled `inputSchema` check run before every call. */
  readonly validateArgs?: ValidateFunction;
}

/** What an mcp-proxy config describes: a remote MCP server (agate stores it as one). */
export interface McpProxyTarget {
  /** `mcpServerURL`, with an apiKey-in-query upstream credential added. */
  readonly url: string;
  readonly transport: 'streamable-http' | 'sse';
  /** `timeout` (ms), else Higress's 5000. */
  readonly timeoutMs: number;
  /** The upstream credential from `defaultUpstreamSecurity` (Authorization, an apiKey header or Cookie). */
  readonly headers: Readonly<Record<string, string>>;
  /** Stored; agate forwards no client credential to remote servers (issue #17). */
  readonly passthroughAuthHeader: boolean;
}

/** The frozen result of loading a config: what `createRestMcpServer` takes. */
export interface CompiledRestConfig {
  /** `server` for a REST server, `toolSet` for a composed listing, `mcpProxy` for a Higress mcp-proxy server. */
  readonly kind: 'server' | 'toolSet' | 'mcpProxy';
  /** For `mcpProxy`: the remote server it describes. */
  readonly proxy?: McpProxyTarget;
  /** server.name or toolSet.name. */
  readonly name: string;
  readonly description?: string;
  /** `server.version`, reported in `initialize`. */
  readonly version?: string;
  /** `server.config`, the file's values for {{.config.*}} (settings override them). */
  readonly config: Readonly<Record<string, unknown>>;
  /** Every `X` the templates read as `{{.config.X}}`, declared in server.config or not: each is a setting. */
  readonly configRefs: readonly string[];
  readonly securitySchemes: ReadonlyMap<string, SecurityScheme>;
  readonly defaultDownstreamSecurity?: SecurityRequirement;
  readonly defaultUpstreamSecurity?: SecurityRequirement;
  readonly passthroughAuthHeader: boolean;
  readonly allowTools?: readonly string[];
  readonly tools: readonly CompiledTool[];
  readonly toolSet?: RestMcpConfig['toolSet'];
  readonly agate: AgateRestOptions;
  /** Things that load but deserve a look (type aliases, unused schemes). */
  readonly warnings: readonly string[];
  /** The document as given (before defaults), for `agate mcp export`. */
  readonly source: Readonly<Record<string, unknown>>;
}

/** Validation outcome at the edge (design §8). */
export type RestConfigResult = { readonly ok: true; readonly value: CompiledRestConfig } | { readonly ok: false; readonly errors: readonly string[] };
