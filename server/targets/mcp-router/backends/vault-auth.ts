import type { JSONRPCMessage } from '@modelcontextprotocol/sdk/types.js';
import { ConsentRequiredError, type ConsentEndpoint, type TokenVault } from '../../../auth/vault/index.js';
import { JsonRpcCode, protocolError } from '../mcp-errors.js';
import { isUnauthorized } from './remote-errors.js';
import { ANONYMOUS } from '../consent.js';

/** Sends one message with the headers given; throws what the upstream answered. */
type SendWith = (headers: Record<string, string> | undefined) => Promise<void>;

/** Whose upstream session this is, and where its tokens come from. */
export interface VaultAuthSetup {
  readonly vault: TokenVault;
  readonly endpoint: ConsentEndpoint;
  readonly server: string;
  /** The downstream session's consumer; undefined (anonymous) is refused: a vault keeps tokens per user. */
  readonly consumer: string | undefined;
}

/**
 * The bearer token of one upstream session from the per-user vault (`upstreamAuth.type: authorization_code`): the
 * session belongs to one consumer (the router opens upstream sessions per downstream session), and every message
 * carries that consumer's own token, never another's. Without a stored token nothing is sent: the router asks the
 * user to consent. A 401 gets the token renewed once (refresh token) and the message sent again.
 */
export class VaultAuth {
  /** The event stream of a legacy SSE session carries the consumer's token too (the whole session is theirs). */
  readonly hasSessionToken = true;

  constructor(private readonly setup: VaultAuthSetup) {}

  /** The Authorization header of the session's event stream. */
  async streamHeaders(): Promise<Record<string, string>> {
    return { authorization: `Bearer ${await this.token()}` };
  }

  /** Sends `message` with the consumer's token in place of any Authorization. */
  async send(message: JSONRPCMessage, headers: Record<string, string> | undefined, sendWith: SendWith): Promise<void> {
    const { authorization: _dropped, ...rest } = headers ?? {};
    const token = await this.token();
    try {
      await sendWith({ ...rest, authorization: `Bearer ${token}` });
    } catch (err) {
      if (!isUnauthorized(err)) throw err;
      this.setup.vault.rejected(this.key(), token);
      await sendWith({ ...rest, authorization: `Bearer ${await this.token()}` });
    }
  }

  private key(): { consumer: string; server: string } {
    return { consumer: this.setup.consumer!, server: this.setup.server };
  }

  private async token(): Promise<string> {
    const { server, consumer, vault, endpoint } = this.setup;
    if (consumer === undefined) throw protocolError(JsonRpcCode.InternalError, 'GW_ERR_UPSTREAM_TOKEN', [server, ANONYMOUS]);
    try {
      return await vault.token(this.key(), endpoint);
    } catch (err) {
      // The router turns this into the user's consent link (it knows the session and the client's URL).
      if (err instanceof ConsentRequiredError) throw err;
      throw protocolError(JsonRpcCode.InternalError, 'GW_ERR_UPSTREAM_TOKEN', [server, (err as Error).message]);
    }
  }
}
