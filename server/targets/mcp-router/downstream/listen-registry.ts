import type { RequestId } from '@modelcontextprotocol/sdk/types.js';
import { errors } from '../../../errors/index.js';
import type { ListenStream } from './listen-stream.js';
import { SessionCaps } from './session-caps.js';

/** The open listen streams of a replica: their caps, and each by who opened it, for that client's cancellation. */
export class ListenRegistry {
  /** Open listens per client identity and in all. */
  readonly caps: SessionCaps;
  private readonly open = new Map<string, Set<ListenStream>>();

  constructor(limits: { perClient: number; total: number }) {
    this.caps = new SessionCaps({ ...limits, refusals: { perClient: errors.GW_ERR_MCP_CLIENT_LISTEN_LIMIT, total: errors.GW_ERR_MCP_LISTEN_LIMIT } });
  }

  /** The key of listen `id` of `client` at endpoint `server`: ids are the client's, unique only to it. */
  key(server: string, client: string, id: RequestId): string {
    return JSON.stringify([server, client, id]);
  }

  /** Notes an open listen under its key. */
  add(key: string, stream: ListenStream): void {
    const streams = this.open.get(key) ?? new Set();
    streams.add(stream);
    this.open.set(key, streams);
  }

  /** Forgets a listen that ended. */
  delete(key: string, stream: ListenStream): void {
    const streams = this.open.get(key);
    streams?.delete(stream);
    if (streams?.size === 0) this.open.delete(key);
  }

  /**
   * A client's `notifications/cancelled` naming a listen: that listen ends as if its stream closed. Two of the
   * client's listens under one id (two client instances) cannot be told apart: neither is ended, their streams are.
   */
  cancel(key: string): void {
    const streams = this.open.get(key);
    if (streams?.size === 1) [...streams][0]!.cancel();
  }
}
