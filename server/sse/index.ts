export { SseParser, SseParseError } from './sse-parser.js';
export type { SseEvent, SseParserOptions } from './sse-parser.js';
export { formatSseEvent, formatSseJson, formatSseComment, SSE_DONE, SSE_RESPONSE_HEADERS } from './format-sse.js';
export type { SseEventInit } from './format-sse.js';
