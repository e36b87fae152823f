import type { Transport, TransportSendOptions } from '@modelcontextprotocol/sdk/shared/transport.js';
import type { JSONRPCMessage } from '@modelcontextprotocol/sdk/types.js';
import type { UpstreamMessageExtra } from './backend.js';

/**
 * One end of an in-process transport pair between the router's client and a hosted SDK server. Unlike the SDK's
 * InMemoryTransport it hands the server's `relatedRequestId` on (as UpstreamMessageExtra), so what a hosted tool
 * sends while it runs (progress, log messages, sampling) reaches the stream of the call that caused it.
 * Messages are delivered synchronously, in order; those sent before the other end started wait for it.
 */
export class LinkedTransport implements Transport {
  onmessage?: (message: JSONRPCMessage, extra?: UpstreamMessageExtra) => void;
  onclose?: () => void;
  onerror?: (error: Error) => void;
  private other: LinkedTransport | undefined;
  private queued: Array<[JSONRPCMessage, UpstreamMessageExtra]> | undefined = [];

  /** A client end and a server end, linked. */
  static pair(): [client: LinkedTransport, server: LinkedTransport] {
    const client = new LinkedTransport();
    const server = new LinkedTransport();
    client.other = server;
    server.other = client;
    return [client, server];
  }

  async start(): Promise<void> {
    const queued = this.queued ?? [];
    this.queued = undefined;
    for (const [message, extra] of queued) this.onmessage?.(message, extra);
  }

  async send(message: JSONRPCMessage, options?: TransportSendOptions): Promise<void> {
    const other = this.other;
    if (!other) throw new Error('Not connected');
    const extra: UpstreamMessageExtra = options?.relatedRequestId === undefined ? {} : { relatedRequestId: options.relatedRequestId };
    if (other.queued) other.queued.push([message, extra]);
    else other.onmessage?.(message, extra);
  }

  async close(): Promise<void> {
    const other = this.other;
    if (!other) return;
    this.other = undefined;
    await other.close();
    this.onclose?.();
  }
}
