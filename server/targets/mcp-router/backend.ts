import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import type { ClientCapabilities, InitializeResult, MessageExtraInfo, RequestId } from '@modelcontextprotocol/sdk/types.js';
import type { BackendRecipe } from './types.js';
import type { ConsentEndpoint } from '../../auth/vault/index.js';

/**
 * What a backend's transport says about a message it hands on, beyond the SDK's fields: the request (its id as
 * sent upstream) whose answer stream carried it. The router sends notifications and server→client requests that
 * relate to a client's call on that call's own stream. Transports without per-request streams (stdio, legacy
 * HTTP+SSE) leave it out; such messages go to the session's standalone stream.
 */
export interface UpstreamMessageExtra extends MessageExtraInfo {
  readonly relatedRequestId?: RequestId;
}

/** What a backend may want to know about the session it opens an upstream connection for. */
export interface ConnectOptions {
  /**
   * The capabilities the downstream client declared (and the router declares upstream as its own). A backend
   * that shares one upstream between sessions (stdio) only shares it between sessions that declared the same.
   */
  readonly clientCapabilities?: ClientCapabilities;
  /** The session's consumer: an in-process REST server gets that consumer's own settings. */
  readonly consumer?: string;
  /**
   * The Authorization header the downstream session's client sent last, read at each send (a client renews its
   * token during a session): a remote server with token exchange (RFC 8693) exchanges it for every message of
   * the upstream session. Others ignore it.
   */
  readonly inboundAuthorization?: () => string | undefined;
  /**
   * An upstream session another replica opened for the same downstream session: a backend that can continue it
   * (remote Streamable HTTP) does, answering the client's initialize with what the upstream said then; others
   * ignore it and initialize anew.
   */
  readonly resume?: UpstreamResume;
  /**
   * Headers sent on every request of this connection (remote backends only): the era probe's modern
   * `MCP-Protocol-Version` and `Mcp-Method` (2026-07-28 basic/transports/streamable-http.mdx). Others ignore it.
   */
  readonly headers?: Readonly<Record<string, string>>;
  /** The era probe's connection: an HTTP error answer is a verdict it looks for (a legacy member's 400), not a fault to log. */
  readonly probe?: boolean;
}

/** What continues an upstream session on another replica, without a new initialize. */
export interface UpstreamResume {
  readonly upstreamSessionId: string;
  readonly protocolVersion: string;
  readonly initializeResult: InitializeResult;
}

/** A connection whose upstream session can be continued elsewhere (remote Streamable HTTP). */
export interface ResumableTransport {
  /** What continues this upstream session on another replica, once it is initialized; undefined when nothing can. */
  resumeHandle(): UpstreamResume | undefined;
  /** Closing this connection leaves the upstream session open (other replicas go on with it). */
  keepUpstreamSession(): void;
}

/**
 * Where one MCP server's tools come from. Every kind (hosted in process, REST-to-MCP, remote Streamable
 * HTTP/SSE, stdio child) reduces to the same thing: an MCP transport to talk to, one per upstream session.
 * The router puts an SDK `Client` on it, so relays, id mapping and timeouts are handled once.
 */
export interface McpBackend {
  /** The recipe kind, for logs. */
  readonly kind: BackendRecipe['kind'];
  /**
   * Opens one upstream connection (one upstream MCP session); the caller owns and closes the transport.
   * Rejects when the backend cannot be reached; the router retries with backoff.
   */
  connect(options?: ConnectOptions): Promise<Transport>;
  /**
   * Lower-case client headers this backend may receive on tools/call as `io.agate/passthrough-auth` `_meta`
   * (configured credential passthrough); absent or empty: the router passes none.
   */
  readonly passthroughHeaders?: readonly string[];
  /** Set when the upstream needs each consumer's own consent (`upstreamAuth.type: authorization_code`, the token vault). */
  readonly perUserConsent?: ConsentEndpoint;
  /** Releases what the backend shares between connections (child processes, HTTP agents). */
  close(): Promise<void>;
}

/**
 * Builds a backend from its recipe for server `serverName` (for logs and child-process labels); one factory
 * per kind, so later kinds plug in without touching the router.
 */
export type BackendFactory = (recipe: BackendRecipe, serverName: string) => McpBackend;
