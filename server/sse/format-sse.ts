/** Fields of an outgoing SSE event. */
export interface SseEventInit {
  /** Event name written as `event:`; omitted when absent. */
  event?: string;
  /** Payload; embedded line breaks become separate `data:` lines so the client rebuilds it exactly. */
  data: string;
  /** Event id written as `id:`. */
  id?: string;
}

/** The OpenAI end-of-stream sentinel, ready to write. */
export const SSE_DONE = 'data: [DONE]\n\n';

const NEWLINES = /\r\n|\r|\n/;
const NEWLINE_ANY = /[\r\n]/g;

/** Serialises one event as `event:`/`id:`/`data:` lines ending in a blank line. */
export function formatSseEvent(init: SseEventInit): string {
  let out = '';
  // A line break inside `event`/`id` would let a value inject extra fields, so it is stripped.
  if (init.event !== undefined) out += `event: ${init.event.replace(NEWLINE_ANY, '')}\n`;
  if (init.id !== undefined) out += `id: ${init.id.replace(NEWLINE_ANY, '')}\n`;
  const data = init.data;
  if (!NEWLINES.test(data)) return `${out}data: ${data}\n\n`;
  for (const line of data.split(NEWLINES)) out += `data: ${line}\n`;
  return out + '\n';
}

/** Serialises a JSON payload as one `data:` event, optionally named. */
export function formatSseJson(payload: unknown, event?: string): string {
  // JSON.stringify never emits raw line breaks, so the single-line fast path always applies.
  const data = JSON.stringify(payload);
  return event === undefined ? `data: ${data}\n\n` : `event: ${event.replace(NEWLINE_ANY, '')}\ndata: ${data}\n\n`;
}

/** Serialises an SSE comment line, used as a keep-alive that clients ignore. */
export function formatSseComment(text: string): string {
  return `: ${text.replace(NEWLINE_ANY, ' ')}\n\n`;
}

/**
 * The response headers of an event stream agate serves: no caching or transforming on the way, and no buffering
 * by a proxy in front (nginx's `X-Accel-Buffering`), so each event reaches the client when written.
 */
export const SSE_RESPONSE_HEADERS: Readonly<Record<string, string>> = Object.freeze({ 'content-type': 'text/event-stream', 'cache-control': 'no-cache, no-transform', 'x-accel-buffering': 'no' });
