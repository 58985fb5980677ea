import { describe, expect, it } from 'vitest';
import { maxPollWaitMs, minPollWaitMs, nextPollWait } from '../../addon/src/poll-wait';

const base = { firstDone: 0, firstAt: 0, total: 2000, previousWait: 500 };

describe('how long the add-on waits between polls of a running job', () => {
  it('backs off while nothing has settled yet, up to the cap', () => {
    expect(nextPollWait({ ...base, done: 0, now: 1000 })).toBe(1000);
    expect(nextPollWait({ ...base, done: 0, now: 9000, previousWait: 4000 })).toBe(maxPollWaitMs);
    expect(nextPollWait({ ...base, total: null, done: 10, now: 1000 })).toBe(1000);
  });

  it('aims at the moment the job should finish once rows are settling', () => {
    // 1,900 of 2,000 rows in 95 s: the last 100 should take about 5 s, so it waits the cap, then less.
    expect(nextPollWait({ ...base, done: 1900, now: 95_000 })).toBe(5000);
    expect(nextPollWait({ ...base, done: 1980, now: 99_000 })).toBe(1000);
  });

  it('never polls faster than the floor, even at the very end', () => {
    expect(nextPollWait({ ...base, done: 1999, now: 99_950 })).toBe(minPollWaitMs);
  });
});
