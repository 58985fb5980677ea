/**
 * Intuit's per-realm limits (qbo-api.md §0, §2): 500 requests/min, 10/s, 10 concurrent, 40 batch/min, with
 * batch calls also counting toward the per-minute total. Sliding windows measured in scaled time.
 */
import type { EmulatorClock } from './clock';

export interface EmulatorLimits {
  perMinute: number;
  perSecond: number;
  concurrent: number;
  batchPerMinute: number;
  batchItems: number;
}

export const defaultLimits: EmulatorLimits = {
  perMinute: 500,
  perSecond: 10,
  concurrent: 10,
  batchPerMinute: 40,
  batchItems: 30,
};

/** Timestamps inside a sliding window; old ones fall off as time passes. */
class SlidingWindow {
  private readonly stamps: number[] = [];
  private head = 0;

  constructor(private readonly windowMs: () => number) {}

  private prune(now: number): void {
    const cutoff = now - this.windowMs();
    while (this.head < this.stamps.length && (this.stamps[this.head] as number) <= cutoff) this.head++;
    if (this.head > 1024 && this.head * 2 > this.stamps.length) {
      this.stamps.splice(0, this.head);
      this.head = 0;
    }
  }

  count(now: number): number {
    this.prune(now);
    return this.stamps.length - this.head;
  }

  add(now: number): void {
    this.stamps.push(now);
  }
}

interface RealmCounters {
  minute: SlidingWindow;
  second: SlidingWindow;
  batchMinute: SlidingWindow;
  inFlight: number;
}

export type Admission = { admitted: true; release: () => void } | { admitted: false; reason: string };

export class RateLimiter {
  private readonly realms = new Map<string, RealmCounters>();

  constructor(
    readonly limits: EmulatorLimits,
    private readonly clock: EmulatorClock,
  ) {}

  private counters(realmId: string): RealmCounters {
    let counters = this.realms.get(realmId);
    if (!counters) {
      counters = {
        minute: new SlidingWindow(() => this.clock.scaledMs(60)),
        second: new SlidingWindow(() => this.clock.scaledMs(1)),
        batchMinute: new SlidingWindow(() => this.clock.scaledMs(60)),
        inFlight: 0,
      };
      this.realms.set(realmId, counters);
    }
    return counters;
  }

  /** Admits one API call or says which limit it hit; a throttled call is not counted. */
  admit(realmId: string, isBatch: boolean): Admission {
    const now = this.clock.now();
    const c = this.counters(realmId);
    if (c.inFlight >= this.limits.concurrent) return { admitted: false, reason: 'concurrent' };
    if (c.second.count(now) >= this.limits.perSecond) return { admitted: false, reason: 'perSecond' };
    if (c.minute.count(now) >= this.limits.perMinute) return { admitted: false, reason: 'perMinute' };
    if (isBatch && c.batchMinute.count(now) >= this.limits.batchPerMinute) {
      return { admitted: false, reason: 'batchPerMinute' };
    }
    c.second.add(now);
    c.minute.add(now);
    if (isBatch) c.batchMinute.add(now);
    c.inFlight += 1;
    let released = false;
    return {
      admitted: true,
      release: () => {
        if (released) return;
        released = true;
        c.inFlight -= 1;
      },
    };
  }
}
