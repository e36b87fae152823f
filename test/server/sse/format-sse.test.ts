import { describe, expect, it } from 'vitest';
import {
  formatSseComment,
  formatSseEvent,
  formatSseJson,
  SSE_DONE,
} from '../../../server/sse/index.js';
import { parseAll } from '../targets/llm-router/helpers.js';

describe('formatSseEvent', () => {
  it.each([
    [{ data: 'x' }, 'data: x\n\n'],
    [{ event: 'message_stop', data: '{}' }, 'event: message_stop\ndata: {}\n\n'],
    [{ id: '5', data: 'x' }, 'id: 5\ndata: x\n\n'],
    [{ data: 'a\nb\r\nc' }, 'data: a\ndata: b\ndata: c\n\n'],
    [{ event: 'bad\nevent: injected', data: 'x' }, 'event: badevent: injected\ndata: x\n\n'],
  ])('formats %j', (init, expected) => {
    expect(formatSseEvent(init)).toBe(expected);
  });

  it.each([['plain'], ['multi\nline\ndata'], ['  leading spaces'], ['ünïcödé 👋'], ['']])(
    'round-trips %j through SseParser',
    (data) => {
      expect(parseAll(formatSseEvent({ event: 'e', id: '1', data }))).toEqual([{ event: 'e', id: '1', data }]);
    },
  );

  it('formats JSON payloads, comments and the DONE sentinel', () => {
    expect(formatSseJson({ a: 'x\ny' }, 'ev')).toBe('event: ev\ndata: {"a":"x\\ny"}\n\n');
    expect(formatSseJson([1])).toBe('data: [1]\n\n');
    expect(formatSseComment('keep\nalive')).toBe(': keep alive\n\n');
    expect(SSE_DONE).toBe('data: [DONE]\n\n');
    expect(parseAll(formatSseComment('x') + SSE_DONE)).toEqual([{ data: '[DONE]' }]);
  });
});
