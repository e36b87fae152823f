import { GatewayError, errors, isGatewayError } from '../../errors/index.js';

/** Where a network failure happened (built only once something failed, never on a request that succeeds). */
export interface UpstreamFailure {
  /** The upstream's name, in the message. */
  readonly upstream: string;
  /** The timeout that was running, ms (named by GW_ERR_UPSTREAM_TIMEOUT). */
  readonly timeoutMs: number;
  /** The client had gone already: the failure is its disconnect, whatever the socket says. */
  readonly clientGone: boolean;
}

/** Maps an undici/network failure before the response started to the catalogue error that describes it. */
export function classifyUpstreamError(err: unknown, failure: UpstreamFailure): GatewayError {
  if (isGatewayError(err)) return err;
  const { upstream, timeoutMs, clientGone } = failure;
  if (clientGone) return new GatewayError(errors.GW_ERR_DOWNSTREAM_DISCONNECT, [], { cause: err });
  const code = (err as { code?: string })?.code ?? '';
  switch (code) {
    case 'ECONNREFUSED':
    case 'EHOSTUNREACH':
    case 'ENETUNREACH':
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
    case 'UND_ERR_CONNECT_TIMEOUT':
      return new GatewayError(errors.GW_ERR_UPSTREAM_CONNECT, [upstream], { cause: err });
    case 'UND_ERR_HEADERS_TIMEOUT':
      return new GatewayError(errors.GW_ERR_UPSTREAM_TIMEOUT, [upstream, timeoutMs], { cause: err });
    case 'ECONNRESET':
    case 'EPIPE':
    case 'UND_ERR_SOCKET':
    case 'UND_ERR_CLOSED':
      return new GatewayError(errors.GW_ERR_UPSTREAM_RESET, [upstream], { cause: err });
    default:
      // HPE_* parser errors, content-length mismatches and anything unforeseen: the upstream broke HTTP.
      return new GatewayError(errors.GW_ERR_UPSTREAM_PROTOCOL, [upstream], { cause: err });
  }
}
