import type { Clock } from '../../gateway/src/qbo/limits/limiter';

/** A clock that jumps forward instead of sleeping, so a simulated hour of rate limiting runs in milliseconds. */
export function virtualClock(start = 0): Clock & { t: number } {
  const clock = {
    t: start,
    now: () => clock.t,
    sleep: async (ms: number) => {
      clock.t += ms;
    },
  };
  return clock;
}

/** The most events (sorted times) that fall inside any window of `windowMs`: what a rate limit counts. */
export function maxInWindow(times: number[], windowMs: number): number {
  let best = 0;
  let start = 0;
  for (let end = 0; end < times.length; end++) {
    while (times[end]! - times[start]! >= windowMs) start++;
    best = Math.max(best, end - start + 1);
  }
  return best;
}
