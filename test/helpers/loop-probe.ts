/** A timer-based event-loop monitor: how long the loop was kept from running a due timer. */
export interface LoopProbe {
  /** Stops the probe; returns the longest stall seen, in ms (the timer's lateness beyond its interval). */
  stop(): number;
}

/** Starts ticking every `intervalMs`; a synchronous stall shows up as a late tick. */
export function startLoopProbe(intervalMs = 5): LoopProbe {
  let last = performance.now();
  let worst = 0;
  const timer = setInterval(() => {
    const now = performance.now();
    worst = Math.max(worst, now - last - intervalMs);
    last = now;
  }, intervalMs);
  return {
    stop() {
      clearInterval(timer);
      // A stall still under way when stopped counts too.
      return Math.max(worst, performance.now() - last - intervalMs);
    },
  };
}
