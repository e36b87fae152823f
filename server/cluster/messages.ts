/** The IPC messages between a `--workers` primary and its workers (node:cluster's channel, JSON-serialised). */
import type { AccessEntry } from '../observability/access-feed.js';

/** Primary → worker: a question (answered by a `reply` with the same id) or the live access-log switch. */
export type ToWorker =
  | { readonly agate: 'ask'; readonly id: number; readonly what: 'metrics' | 'status' }
  | { readonly agate: 'feed'; readonly on: boolean };

/** Worker → primary. */
export type ToPrimary =
  /** The data plane listens at `url` (the primary prints one banner once every worker has said so). */
  | { readonly agate: 'ready'; readonly url: string }
  | { readonly agate: 'reply'; readonly id: number; readonly value: unknown }
  /** One access-log line, sent only while the primary has a live Traffic subscriber. */
  | { readonly agate: 'access'; readonly entry: AccessEntry };

/** Whether an IPC message is one of ours (node:cluster also sends its own internal ones). */
export function isAgateMessage<T extends { agate: string }>(m: unknown): m is T {
  return typeof m === 'object' && m !== null && typeof (m as { agate?: unknown }).agate === 'string';
}
