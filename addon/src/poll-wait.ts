/**
 * How long the add-on waits before asking about a running job again. Without a rate to go by it backs off
 * (0.5 s, 1 s, 2 s … 5 s) so a slow job costs few UrlFetch calls; once rows are settling it aims at the
 * moment the job should finish, so the last rows are written back soon after they are done instead of up
 * to a whole back-off step later.
 */
export interface PollProgress {
  /** Rows settled when this job was first polled, and when (ms). */
  firstDone: number;
  firstAt: number;
  done: number;
  total: number | null;
  now: number;
  previousWait: number;
}

export const minPollWaitMs = 500;
export const maxPollWaitMs = 5000;

export function nextPollWait(p: PollProgress): number {
  const backoff = Math.min(p.previousWait * 2, maxPollWaitMs);
  const settled = p.done - p.firstDone;
  const elapsed = p.now - p.firstAt;
  if (p.total === null || settled <= 0 || elapsed <= 0) return backoff;
  const remainingMs = ((p.total - p.done) * elapsed) / settled;
  return Math.max(minPollWaitMs, Math.min(maxPollWaitMs, Math.round(remainingMs)));
}
