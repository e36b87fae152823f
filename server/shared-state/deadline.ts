/**
 * `promise`, or a rejection once `ms` have passed. The deadline is checked after the event loop's poll phase
 * (setImmediate from the timer), so an answer already waiting in the socket when the timer fires still wins: a
 * gateway busy for longer than the deadline does not mistake its own lateness for Redis's.
 */
export function withDeadline<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => setImmediate(() => reject(new Error(`${what} timed out after ${ms} ms`))), ms);
    promise.then(
      (value) => {
        clearTimeout(timer);
        resolve(value);
      },
      (err: unknown) => {
        clearTimeout(timer);
        reject(err);
      },
    );
  });
}
