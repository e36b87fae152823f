import type { CallToolRequest, IsomorphicHeaders, RequestId } from '@modelcontextprotocol/sdk/types.js';
import type { DownstreamCall } from './relay.js';
import type { UpstreamCall } from './upstream-calls.js';

type Params = CallToolRequest['params'];

/** Where a tools/call came from: the client's request headers and the stream its traffic goes back on. */
export interface CallOrigin {
  /** The client's HTTP request headers (credential passthrough). */
  readonly headers: IsomorphicHeaders | undefined;
  /** The client's request URL (its query may carry a passthrough credential). */
  readonly url?: URL;
  /** Where notifications and server→client requests caused by the call go: its own stream. */
  readonly downstream: DownstreamCall;
}

/** One downstream tools/call while it is served: the client may cancel it at any point. */
export class ToolCall {
  /** Set once the client cancelled: nothing is answered. */
  cancelled: string | undefined;
  /** The request relayed upstream, once sent. */
  private upstream: UpstreamCall | undefined;

  /** The client's HTTP request headers (credential passthrough). */
  readonly headers: IsomorphicHeaders | undefined;
  /** The client's request URL (query credential passthrough). */
  readonly url: URL | undefined;
  /** Where notifications and server→client requests caused by the call go: its own stream. */
  readonly downstream: DownstreamCall;

  constructor(
    readonly id: RequestId,
    readonly params: Params,
    origin: CallOrigin,
  ) {
    this.headers = origin.headers;
    this.url = origin.url;
    this.downstream = origin.downstream;
  }

  /** The client's `notifications/cancelled`: the upstream is told to stop, and the call is not answered. */
  cancel(reason: string): void {
    this.cancelled ??= reason;
    this.upstream?.cancel(reason);
  }

  /** Notes the upstream request (cancelled at once if the client gave up meanwhile). */
  relayedAs(upstream: UpstreamCall): void {
    this.upstream = upstream;
    if (this.cancelled !== undefined) upstream.cancel(this.cancelled);
  }
}
