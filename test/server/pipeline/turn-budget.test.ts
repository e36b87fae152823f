import { performance } from 'node:perf_hooks';
import { describe, expect, it } from 'vitest';
import { TurnBudget } from '../../../server/pipeline/turn-budget.js';

/** Keeps the CPU busy for `ms`, as a request's synchronous work does. */
function burn(ms: number): void {
  const until = performance.now() + ms;
  while (performance.now() < until);
}

describe('TurnBudget', () => {
  it('starts work at once while the turn has budget', () => {
    const budget = new TurnBudget(50);
    const started: number[] = [];
    for (let i = 0; i < 5; i++) budget.run(() => started.push(i));
    expect(started).toEqual([0, 1, 2, 3, 4]);
    expect(budget.waiting).toBe(0);
  });

  it('lets timers run between batches when one turn brings more work than its budget, and keeps arrival order', async () => {
    const budget = new TurnBudget(5);
    const order: number[] = [];
    const timerFiredAfter: number[] = [];
    setTimeout(() => timerFiredAfter.push(order.length), 1);
    // 400 requests of 1 ms each arrive in one turn: 400 ms of work if nothing yields.
    for (let i = 0; i < 400; i++) budget.run(() => (burn(1), order.push(i)));
    expect(budget.waiting).toBeGreaterThan(300);
    await new Promise<void>((resolve) => {
      const check = () => (budget.waiting === 0 ? resolve() : setTimeout(check, 5));
      check();
    });
    expect(order).toEqual([...Array(400).keys()]);
    // The 1 ms timer ran long before the last request started.
    expect(timerFiredAfter[0]).toBeLessThan(100);
  });

  it('queues new work behind work already waiting, even when the new turn has budget', async () => {
    const budget = new TurnBudget(2);
    const order: string[] = [];
    for (let i = 0; i < 50; i++) budget.run(() => (burn(1), order.push(`a${i}`)));
    await new Promise((r) => setTimeout(r, 0));
    budget.run(() => order.push('late'));
    await new Promise<void>((resolve) => {
      const check = () => (budget.waiting === 0 ? resolve() : setTimeout(check, 5));
      check();
    });
    expect(order.at(-1)).toBe('late');
    expect(order).toHaveLength(51);
  });

  it('finishes work in flight before starting new work, each in arrival order', async () => {
    const budget = new TurnBudget(2);
    const order: string[] = [];
    for (let i = 0; i < 20; i++) budget.run(() => (burn(1), order.push(`start${i}`)));
    const ranAtOnce = order.length;
    expect(budget.waiting).toBe(20 - ranAtOnce);
    for (let i = 0; i < 5; i++) budget.finish(() => order.push(`finish${i}`));
    await new Promise<void>((resolve) => {
      const check = () => (budget.waiting === 0 ? resolve() : setTimeout(check, 5));
      check();
    });
    const starts = [...Array(20).keys()].map((i) => `start${i}`);
    const finishes = [...Array(5).keys()].map((i) => `finish${i}`);
    expect(order).toEqual([...starts.slice(0, ranAtOnce), ...finishes, ...starts.slice(ranAtOnce)]);
  });
});
