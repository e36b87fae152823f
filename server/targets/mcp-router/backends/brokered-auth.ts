import type { JSONRPCMessage } from '@modelcontextprotocol/sdk/types.js';
import { UpstreamTokenError, type TokenEndpoint, type UpstreamTokenSource } from '../../../auth/upstream-tokens.js';
import { JsonRpcCode, protocolError } from '../mcp-errors.js';
import { isRequest } from '../json-rpc.js';
import { isUnauthorized } from './remote-errors.js';

/** Sends one message with the headers given; throws what the upstream answered. */
type SendWith = (headers: Record<string, string> | undefined) => Promise<void>;

/** Where one upstream session's brokered tokens come from. */
export interface BrokeredAuthSetup {
  readonly endpoint: TokenEndpoint;
  /** The backend's token cache, shared by its sessions (token exchange: per caller token, so per user and audience). */
  readonly tokens: UpstreamTokenSource;
  readonly server: string;
  /** The Authorization the downstream session's client sent last (ConnectOptions.inboundAuthorization). */
  readonly inbound?: () => string | undefined;
}

/** RFC 6750 §2.1: the token of an `Authorization: Bearer` header. */
function bearerOf(authorization: string | undefined): string | undefined {
  return /^Bearer\s+(\S+)\s*$/i.exec(authorization ?? '')?.[1];
}

/**
 * The bearer token one upstream session of a remote server gets from its authorization server (`upstreamAuth`):
 * client credentials on every message, or, for token exchange, the caller's own token exchanged for one with the
 * server's audience, on every message of the session (initialize, notifications, lists, reads, calls, the legacy
 * event stream), not only on tools/call: an upstream may refuse any message without it. The router opens upstream
 * sessions per downstream session, so the caller is that session's client: the Authorization of a tools/call
 * (passed through by the router) or else the one its client sent last. A session without a bearer token sends
 * what it can without one; a tools/call then fails. A 401 from the server drops the token and the message goes
 * once more with a fresh one.
 */
export class BrokeredAuth {
  constructor(private readonly setup: BrokeredAuthSetup) {}

  /** Whether the session as a whole has a token (client credentials, or a caller token to exchange): its event stream and the requests its transport makes of itself carry it. */
  get hasSessionToken(): boolean {
    return this.setup.endpoint.type === 'client_credentials' || this.sessionSubject() !== undefined;
  }

  /** The Authorization header of the session's event stream. */
  async streamHeaders(): Promise<Record<string, string>> {
    return { authorization: `Bearer ${await this.token(this.sessionSubject())}` };
  }

  /** Sends `message` with the brokered token in place of any passed-through Authorization. */
  async send(message: JSONRPCMessage, headers: Record<string, string> | undefined, sendWith: SendWith): Promise<void> {
    const { authorization, ...rest } = headers ?? {};
    let subject: string | undefined;
    if (this.setup.endpoint.type === 'token_exchange') {
      subject = bearerOf(authorization) ?? this.sessionSubject();
      if (subject === undefined && !(isRequest(message) && message.method === 'tools/call')) return sendWith(Object.keys(rest).length ? rest : undefined);
    }
    const token = await this.token(subject);
    try {
      await sendWith({ ...rest, authorization: `Bearer ${token}` });
    } catch (err) {
      if (!isUnauthorized(err)) throw err;
      this.setup.tokens.rejected(token, subject);
      await sendWith({ ...rest, authorization: `Bearer ${await this.token(subject)}` });
    }
  }

  /** Token exchange: the bearer token the session's client sent last; client credentials need none. */
  private sessionSubject(): string | undefined {
    return this.setup.endpoint.type === 'token_exchange' ? bearerOf(this.setup.inbound?.()) : undefined;
  }

  private async token(subject: string | undefined): Promise<string> {
    try {
      return await this.setup.tokens.token(subject);
    } catch (err) {
      if (!(err instanceof UpstreamTokenError)) throw err;
      throw protocolError(JsonRpcCode.InternalError, 'GW_ERR_UPSTREAM_TOKEN', [this.setup.server, err.message]);
    }
  }
}
