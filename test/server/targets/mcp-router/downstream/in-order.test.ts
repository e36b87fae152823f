import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { InOrder } from '../../../../../server/targets/mcp-router/downstream/in-order.js';

// The writer of a legacy SSE session's stream: events numbered by the order Redis appended them, arriving from
// several replicas in any order.

describe('InOrder', () => {
  let written: string[];
  let writer: InOrder<string>;
  beforeEach(() => {
    vi.useFakeTimers();
    written = [];
    writer = new InOrder((item) => void written.push(item), { maxWaiting: 3, gapMs: 500 });
  });
  afterEach(() => {
    writer.close();
    vi.useRealTimers();
  });

  it.each([
    ['in order', [1, 2, 3, 4]],
    ['reversed', [4, 3, 2, 1]],
    ['shuffled', [2, 4, 1, 3]],
  ])('writes items that arrive %s in their numbers’ order', (_name, arrivals) => {
    for (const n of arrivals) writer.accept(n, `e${n}`);
    expect(written).toEqual(['e1', 'e2', 'e3', 'e4']);
  });

  it('holds items back behind a missing one until it comes', () => {
    writer.accept(2, 'e2');
    writer.accept(3, 'e3');
    expect(written).toEqual([]);
    vi.advanceTimersByTime(499);
    writer.accept(1, 'e1');
    expect(written).toEqual(['e1', 'e2', 'e3']);
  });

  it('passes over a missing item after the gap time, and writes it late if it comes after all', () => {
    writer.accept(1, 'e1');
    writer.accept(3, 'e3');
    writer.accept(4, 'e4');
    vi.advanceTimersByTime(499);
    expect(written).toEqual(['e1']);
    vi.advanceTimersByTime(1);
    expect(written).toEqual(['e1', 'e3', 'e4']);
    writer.accept(2, 'e2');
    writer.accept(5, 'e5');
    expect(written).toEqual(['e1', 'e3', 'e4', 'e2', 'e5']);
  });

  it('waits for a second gap as long as for the first', () => {
    writer.accept(2, 'e2');
    vi.advanceTimersByTime(500);
    writer.accept(4, 'e4');
    vi.advanceTimersByTime(499);
    expect(written).toEqual(['e2']);
    writer.accept(3, 'e3');
    expect(written).toEqual(['e2', 'e3', 'e4']);
  });

  it('holds back no more than its bound: one more and it stops waiting for the missing one', () => {
    for (const n of [2, 3, 4]) writer.accept(n, `e${n}`);
    expect(written).toEqual([]);
    writer.accept(6, 'e6');
    expect(written).toEqual(['e2', 'e3', 'e4']);
    writer.accept(5, 'e5');
    expect(written).toEqual(['e2', 'e3', 'e4', 'e5', 'e6']);
  });

  it('writes nothing once closed, and leaves no timer behind', () => {
    writer.accept(2, 'e2');
    writer.close();
    expect(vi.getTimerCount()).toBe(0);
    vi.advanceTimersByTime(1_000);
    expect(written).toEqual([]);
  });
});
