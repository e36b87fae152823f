import type { JSONRPCMessage } from '@modelcontextprotocol/sdk/types.js';
import { UpstreamTokenError, upstreamTokenSource, type TokenEndpoint, type UpstreamTokenSource } from '../../../auth/upstream-tokens.js';
import { JsonRpcCode, protocolError } from '../mcp-errors.js';
import { isRequest } from '../json-rpc.js';
import { isUnauthorized } from './remote-errors.js';

/** Sends one message with the headers given; throws what the upstream answered. */
type SendWith = (headers: Record<string, string> | undefined) => Promise<void>;

/**
 * The bearer token a remote server gets from its authorization server (`upstreamAuth`): client credentials on
 * every message, or, for token exchange, the caller's own token (handed over by the router as the passed-through
 * Authorization of a tools/call) exchanged for one with the server's audience. A 401 from the server drops the
 * token and the message goes once more with a fresh one.
 */
export class BrokeredAuth {
  private readonly tokens: UpstreamTokenSource;

  constructor(
    private readonly endpoint: TokenEndpoint,
    private readonly server: string,
  ) {
    this.tokens = upstreamTokenSource(endpoint);
  }

  /** Whether the upstream session's event stream (legacy SSE GET) must carry the token too: one token for everyone. */
  get sharedToken(): boolean {
    return this.endpoint.type === 'client_credentials';
  }

  /** The Authorization header of an event stream opened for the whole session (client credentials). */
  async streamHeaders(): Promise<Record<string, string>> {
    return { authorization: `Bearer ${await this.token(undefined)}` };
  }

  /**
   * Sends `message` with the brokered token in place of any passed-through Authorization. Token exchange needs the
   * caller's token: a tools/call without one fails; other messages (initialize, lists) go without a token.
   */
  async send(message: JSONRPCMessage, headers: Record<string, string> | undefined, sendWith: SendWith): Promise<void> {
    const { authorization, ...rest } = headers ?? {};
    let subject: string | undefined;
    if (this.endpoint.type === 'token_exchange') {
      subject = /^Bearer\s+(\S+)\s*$/i.exec(authorization ?? '')?.[1];
      if (subject === undefined && !(isRequest(message) && message.method === 'tools/call')) return sendWith(Object.keys(rest).length ? rest : undefined);
    }
    const token = await this.token(subject);
    try {
      await sendWith({ ...rest, authorization: `Bearer ${token}` });
    } catch (err) {
      if (!isUnauthorized(err)) throw err;
      this.tokens.rejected(token, subject);
      await sendWith({ ...rest, authorization: `Bearer ${await this.token(subject)}` });
    }
  }

  private async token(subject: string | undefined): Promise<string> {
    try {
      return await this.tokens.token(subject);
    } catch (err) {
      if (!(err instanceof UpstreamTokenError)) throw err;
      throw protocolError(JsonRpcCode.InternalError, 'GW_ERR_UPSTREAM_TOKEN', [this.server, err.message]);
    }
  }
}
