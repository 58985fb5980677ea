import type { Child } from 'hono/jsx';
import type { Job } from './jobs';

/**
 * A job's progress as a dashboard card. While the job runs the card carries `data-job`, and the dashboard's
 * script (/assets/dashboard.js) polls `GET /api/jobs/:id` with the page's session and updates the
 * `data-field` spans and the progress bar in place; without the script a reload shows the same numbers.
 */
export function isLive(job: Job): boolean {
  return job.state === 'queued' || job.state === 'running';
}

export function jobBadge(state: Job['state']): string {
  if (state === 'done') return 'ok';
  if (state === 'failed') return 'bad';
  return state === 'running' || state === 'queued' ? 'warn' : 'muted';
}

export function JobCard(props: { job: Job; title: string; children?: Child }) {
  const { job } = props;
  const live = isLive(job);
  return (
    <article class="card" data-job={live ? job.id : undefined} data-job-card={job.id}>
      <h3>{props.title}</h3>
      <dl class="facts">
        <dt>State</dt>
        <dd>
          <span class={`badge ${jobBadge(job.state)}`} data-field="state">
            {job.state}
          </span>
          {job.dryRun ? <span class="muted"> (dry run)</span> : null}
        </dd>
        <dt>Done</dt>
        <dd class="num" data-field="done">
          {String(job.done)}
        </dd>
        <dt>Failed</dt>
        <dd class="num" data-field="failed">
          {String(job.failed)}
        </dd>
        <dt>Of</dt>
        <dd class="num" data-field="total">
          {job.total === null ? '?' : String(job.total)}
        </dd>
        <dt>Started</dt>
        <dd>{`${(job.startedAt ?? job.createdAt).replace('T', ' ').slice(0, 16)} UTC by ${job.startedBy}`}</dd>
      </dl>
      <progress
        max={job.total || 1}
        value={job.total ? job.done + job.failed : live ? 0 : 1}
        aria-label={`${props.title} progress`}
      />
      <p class="muted" data-field="live" aria-live="polite">
        {live ? 'running (this card updates by itself)' : ''}
      </p>
      {job.error ? <p class="error-text">{job.error}</p> : null}
      {props.children}
    </article>
  );
}
