import type { Job } from './jobs';

/** One line describing a job's progress, e.g. `mis  [#######.............]  35% 7/20 (1 failed)  running`. */
export function renderJobLine(job: Job, width = 20): string {
  const total = job.total ?? 0;
  const processed = job.done + job.failed;
  const ratio = total > 0 ? Math.min(1, processed / total) : job.state === 'done' ? 1 : 0;
  const filled = Math.round(ratio * width);
  const bar = `[${'#'.repeat(filled)}${'.'.repeat(width - filled)}]`;
  const counts = total > 0 ? `${processed}/${total}` : `${processed}`;
  const failed = job.failed > 0 ? ` (${job.failed} failed)` : '';
  const dry = job.dryRun ? ' dry run' : '';
  const scope = job.scope ? ` ${job.scope}` : '';
  return `${job.flow}${scope}  ${bar} ${String(Math.round(ratio * 100)).padStart(3)}% ${counts}${failed}  ${job.state}${dry}`;
}

/**
 * Follows a job until it ends, writing a line whenever it changes: redrawn in place on a terminal, one line
 * per change otherwise (cron logs stay readable). Returns the finished job.
 */
export async function followJob(
  read: () => Job | undefined,
  write: (text: string) => void,
  options: { tty?: boolean; intervalMs?: number } = {},
): Promise<Job> {
  let last = '';
  for (;;) {
    const job = read();
    if (!job) throw new Error('The job disappeared while being followed');
    const line = renderJobLine(job);
    if (line !== last) {
      write(options.tty ? `\r\x1b[2K${line}` : `${line}\n`);
      last = line;
    }
    if (job.state !== 'queued' && job.state !== 'running') {
      if (options.tty) write('\n');
      return job;
    }
    await new Promise((resolve) => setTimeout(resolve, options.intervalMs ?? 250));
  }
}
