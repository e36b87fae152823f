import type { Transport, TransportSendOptions } from '@modelcontextprotocol/sdk/shared/transport.js';
import type { JSONRPCMessage } from '@modelcontextprotocol/sdk/types.js';

/** Sending options of an upstream transport: the SDK's, plus headers for this one message's request. */
export interface UpstreamSendOptions extends TransportSendOptions {
  /** Passthrough credentials of one tools/call. */
  readonly headers?: Readonly<Record<string, string>>;
}

/** The client transport of one upstream session, Streamable HTTP or legacy HTTP+SSE. */
export interface UpstreamTransport extends Transport {
  send(message: JSONRPCMessage, options?: UpstreamSendOptions): Promise<void>;
  /** Sends `MCP-Protocol-Version` from now on. */
  setProtocolVersion(version: string): void;
}
