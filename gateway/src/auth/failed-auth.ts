/**
 * Decides which failed authentications get an audit row: the first from an address in each window, and
 * the rest only as a count carried into that address's next row. Memory is bounded too: beyond
 * `maxAddresses` the oldest address is forgotten (its next failure simply starts a new window).
 */
export interface FailedAuthSummary {
  /** Failures from this address that got no row of their own since its previous row. */
  suppressed: number;
  /** When the previous row was written (ISO), when there was one in memory. */
  since?: string;
}

interface Window {
  startedMs: number;
  suppressed: number;
}

export class FailedAuthThrottle {
  private readonly windows = new Map<string, Window>();

  constructor(
    private readonly windowMs = 60_000,
    private readonly maxAddresses = 10_000,
    private readonly now: () => number = Date.now,
  ) {}

  /** A summary when this failure should be written, undefined when it is only counted. */
  admit(address: string): FailedAuthSummary | undefined {
    const nowMs = this.now();
    const window = this.windows.get(address);
    if (window && nowMs - window.startedMs < this.windowMs) {
      window.suppressed += 1;
      return undefined;
    }
    this.windows.delete(address);
    if (this.windows.size >= this.maxAddresses) {
      const oldest = this.windows.keys().next();
      if (!oldest.done) this.windows.delete(oldest.value);
    }
    this.windows.set(address, { startedMs: nowMs, suppressed: 0 });
    return window
      ? { suppressed: window.suppressed, since: new Date(window.startedMs).toISOString() }
      : { suppressed: 0 };
  }

  get trackedAddresses(): number {
    return this.windows.size;
  }
}
