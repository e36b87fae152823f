/** The definition of one error in the catalogue. */
export interface ErrorDefinition {
  /** Stable code, e.g. GW_ERR_NO_ROUTE: clients and docs rely on it. */
  readonly code: string;
  /** HTTP status used when the error is rendered over HTTP. */
  readonly status: number;
  /** Envoy-style response flag for access logs (NR, UF, UT, …). */
  readonly flag: string;
  /** Message template; `%s` placeholders are filled in order. */
  readonly template: string;
}

/** An error a filter or target throws; ingress adapters render it once, in their protocol's shape. */
export class GatewayError extends Error {
  override name = 'GatewayError';
  readonly code: string;
  readonly status: number;
  readonly flag: string;
  /** Extra headers to send with the error (Retry-After, WWW-Authenticate). */
  readonly headers: Record<string, string>;
  /** Protocol-specific detail for the error body (an MCP error's JSON-RPC `data`: the versions a server supports). */
  readonly data: Readonly<Record<string, unknown>> | undefined;

  constructor(def: ErrorDefinition, args: unknown[] = [], options: { cause?: unknown; headers?: Record<string, string>; data?: Readonly<Record<string, unknown>> } = {}) {
    super(format(def.template, args), { cause: options.cause });
    this.code = def.code;
    this.status = def.status;
    this.flag = def.flag;
    this.headers = options.headers ?? {};
    this.data = options.data;
  }
}

function format(template: string, args: unknown[]): string {
  let i = 0;
  return template.replace(/%s/g, () => String(args[i++] ?? ''));
}

/** Compares by code, not instanceof, so copies of this module bundled elsewhere still match. */
export function isGatewayError(err: unknown): err is GatewayError {
  return typeof err === 'object' && err !== null && typeof (err as GatewayError).code === 'string' && (err as GatewayError).name === 'GatewayError';
}
