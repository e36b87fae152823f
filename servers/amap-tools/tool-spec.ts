/** One string parameter of an AMap tool (AMap's web API takes every parameter as a string). */
export interface AmapParam {
  /** Parameter name, identical in the tool schema and the upstream query. */
  readonly name: string;
  /** Schema description shown to the model. */
  readonly description: string;
  /** Required only when the AMap API itself requires it; empty optional values are not sent. */
  readonly required: boolean;
  /** Allowed values, when AMap accepts a closed set. */
  readonly enum?: readonly [string, ...string[]];
}

/** Arguments as validated by the schema: present strings, absent optionals are undefined. */
export type AmapArgs = Readonly<Record<string, string | undefined>>;

/** Query to send, or the reason the call cannot be made. */
export type PreparedQuery = { readonly ok: true; readonly query: AmapArgs } | { readonly ok: false; readonly error: string };

/** Everything that differs between the twelve `maps_*` tools. */
export interface AmapToolSpec {
  /** Tool name, identical to Higress. */
  readonly name: string;
  /** Human-readable title. */
  readonly title: string;
  /** Tool description shown to the model. */
  readonly description: string;
  /** Upstream endpoint without query; the http/https mix is AMap's (and Higress's) as listed. */
  readonly url: string;
  /** Parameters in schema and query order. */
  readonly params: readonly AmapParam[];
  /** Query parameters always sent, after the tool's own (e.g. weather's `extensions=all`). */
  readonly fixedQuery?: Readonly<Record<string, string>>;
  /** Rewrites arguments before the call; `meta` is the tools/call request's `_meta`. */
  readonly prepare?: (args: AmapArgs, meta: Readonly<Record<string, unknown>> | undefined) => PreparedQuery;
}
