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

/** Requests to the admin API's `/healthz` in a loop, each checked for 200: how fast the gateway answers meanwhile. */
export interface HealthzProbe {
  /** Stops after the request in flight; resolves with every round trip, in ms. */
  stop(): Promise<number[]>;
}

/** Starts probing `${adminUrl}/healthz` back to back (a stalled loop answers once, late, instead of many times). */
export function startHealthzProbe(adminUrl: string): HealthzProbe {
  let probing = true;
  const times: number[] = [];
  const running = (async () => {
    while (probing) {
      const t = performance.now();
      const res = await fetch(`${adminUrl}/healthz`);
      await res.arrayBuffer();
      if (res.status !== 200) throw new Error(`/healthz answered ${res.status} during the probe`);
      times.push(performance.now() - t);
    }
  })();
  return {
    async stop() {
      probing = false;
      await running;
      return times;
    },
  };
}
