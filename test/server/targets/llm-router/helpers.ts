/** Shared test plumbing: collect sink output and run a raw SSE body through a parser and a translator. */
import { SseParser, type SseEvent } from '../../../../server/sse/index.js';
import type { StreamSink } from '../../../../server/targets/llm-router/translate/index.js';

/** A sink that records everything, in order. */
export interface Recorded<T, E> {
  sink: StreamSink<T, E>;
  items: T[];
  errors: E[];
  doneCount: number;
  /** Every call in order: items, then exactly one 'done' or error marker. */
  log: Array<{ kind: 'data'; value: T } | { kind: 'error'; value: E } | { kind: 'done' }>;
}

/** Creates a recording sink. */
export function recorder<T, E>(): Recorded<T, E> {
  const rec: Recorded<T, E> = {
    items: [],
    errors: [],
    doneCount: 0,
    log: [],
    sink: {
      data: (item) => {
        rec.items.push(item);
        rec.log.push({ kind: 'data', value: item });
      },
      error: (err) => {
        rec.errors.push(err);
        rec.log.push({ kind: 'error', value: err });
      },
      done: () => {
        rec.doneCount++;
        rec.log.push({ kind: 'done' });
      },
    },
  };
  return rec;
}

/** Anything with push/end, i.e. every stream translator. */
export interface Translator {
  push(event: SseEvent): void;
  end(): void;
}

/** Feeds `chunks` through a fresh parser into `translator`, then ends both (EOF). */
export function pump(translator: Translator, chunks: Iterable<Uint8Array | string>): void {
  // As serve-stream.ts parses a provider's stream: an unterminated last event still counts.
  const parser = new SseParser((e) => translator.push(e), { flushAtEnd: true });
  for (const c of chunks) parser.feed(c);
  parser.end();
  translator.end();
}

/** Parses a whole SSE body into events. */
export function parseAll(body: string | Uint8Array): SseEvent[] {
  const events: SseEvent[] = [];
  const parser = new SseParser((e) => events.push(e), { flushAtEnd: true });
  parser.feed(body);
  parser.end();
  return events;
}

/** Replaces time- and randomness-dependent fields so two runs compare equal. */
export function stable(value: unknown): string {
  return JSON.stringify(value)
    .replace(/"created":\d+/g, '"created":0')
    .replace(/"(msg|toolu|call|chatcmpl-)[_]?[0-9a-f]{24}"/g, '"$1_MINTED"');
}
