import type { IncomingMessage, ServerResponse } from 'node:http';
import { isIPv6 } from 'node:net';
import { hostname as machineName } from 'node:os';
import { GatewayError, errors, renderHttpError } from '../errors/index.js';
import type { Snapshot } from '../snapshot/snapshot.js';
import { nextRequestId } from './request-id.js';

/** Names every listener answers to whatever it is configured with (RFC 6761 §6.3: `*.localhost` is loopback). */
const ALWAYS = ['localhost', '127.0.0.1', '[::1]'];

/** What the Host check needs. */
export interface AllowedHostsOptions {
  /** Extra names (`gw.example.com`, `*.corp.example`); `*` turns the check off. */
  allowedHosts?: readonly string[];
  /** The data-plane bind address (a specific one is a name the gateway serves). */
  bindAddress?: string;
  /** The snapshot to serve: routes' own `host` values are served names for proxied traffic. */
  current(): Snapshot | undefined;
}

/**
 * DNS rebinding defence on every listener: a page on an attacker's name that resolves to this machine makes the
 * browser send `Host: attacker.example`; refusing names the gateway does not serve stops it from reaching MCP
 * servers (stdio ones with file access), LLM keys and routes. Loopback-only checks miss a LAN address
 * (0.0.0.0 binds). Served names: localhost and `*.localhost`, 127.0.0.1, [::1], the machine's host name, the
 * bind address, the address the connection arrived on, `allowedHosts`, and, outside /mcp/, routes' hosts.
 */
export class HostPolicy {
  private readonly exact = new Set<string>();
  private readonly suffixes: string[] = [];
  private readonly any: boolean;

  constructor(private readonly options: AllowedHostsOptions) {
    const names = [...ALWAYS, machineName(), ...(options.allowedHosts ?? [])];
    if (options.bindAddress && options.bindAddress !== '0.0.0.0' && options.bindAddress !== '::') names.push(options.bindAddress);
    this.any = names.includes('*');
    for (const raw of names) {
      const name = bracketed(raw.trim().toLowerCase());
      if (name.startsWith('*.')) this.suffixes.push(name.slice(1));
      else if (name) this.exact.add(name);
    }
  }

  /** Why the request's Host is not served here, or undefined when it is. */
  refusal(req: IncomingMessage): string | undefined {
    const raw = req.headers.host;
    // HTTP/1.0 without Host: no browser sends that, so no rebinding either.
    if (this.any || raw === undefined || raw === '') return undefined;
    const host = stripPort(raw.toLowerCase());
    if (this.exact.has(host) || host.endsWith('.localhost') || this.suffixes.some((s) => host.endsWith(s) && host.length > s.length)) return undefined;
    if (host === bracketed(localAddress(req))) return undefined;
    if (!isMcpRequest(req) && this.options.current()?.http.router.servesHost(host)) return undefined;
    return `Host ${raw} is not a name this gateway serves (allow it with --allowed-hosts)`;
  }
}

/**
 * Wraps a listener's handler with the Host check. Refused requests get 421 Misdirected Request (RFC 9110
 * §15.5.20: this server does not answer for that authority). `checkedLater` names requests whose handler asks
 * the same policy itself: the data plane's /mcp/ requests, whose chain's mcp-origin filter refuses with the
 * JSON-RPC-shaped 403 MCP clients read, logged and counted. Upgrades name none: no MCP transport upgrades.
 */
export function refuseForeignHost(
  policy: HostPolicy,
  handle: (req: IncomingMessage, res: ServerResponse) => void,
  checkedLater: (req: IncomingMessage) => boolean = () => false,
): (req: IncomingMessage, res: ServerResponse) => void {
  return function checkHost(req, res) {
    if (checkedLater(req)) return handle(req, res);
    const problem = policy.refusal(req);
    if (problem === undefined) return handle(req, res);
    renderHttpError(res, new GatewayError(errors.GW_ERR_HOST_NOT_ALLOWED, [problem]), nextRequestId());
  };
}

/** Requests for MCP endpoints (their Host is checked inside the MCP chain). */
export function isMcpRequest(req: IncomingMessage): boolean {
  return req.url?.startsWith('/mcp/') === true;
}

function stripPort(host: string): string {
  if (host.startsWith('[')) return host.slice(0, host.indexOf(']') + 1);
  const colon = host.lastIndexOf(':');
  return colon === -1 ? host : host.slice(0, colon);
}

function bracketed(address: string): string {
  return isIPv6(address) ? `[${address}]` : address;
}

function localAddress(req: IncomingMessage): string {
  const a = req.socket.localAddress ?? '';
  return a.startsWith('::ffff:') ? a.slice(7) : a;
}
