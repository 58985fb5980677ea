import type { Child } from 'hono/jsx';
import { formatCents } from '../../../../shared/src/money';
import { JobCard } from '../../jobs/job-card';
import type { Job } from '../../jobs/jobs';
import { FieldError, RowAction, shortTime, TableSection } from '../../web/page-module';
import { batchSizeLimit } from '../input';
import type { FailedRow, PreviewInvoice, Statistics } from '../service';

/** The MIS page's parts: numbers, the run forms, the preview and failed tables, the job history. */

export interface Paged {
  page: number;
  pages: number;
  total: number;
  href: (page: number) => string;
}

export function NotConfigured() {
  return (
    <section class="card" aria-labelledby="mis-setup-heading">
      <h2 id="mis-setup-heading">Not configured</h2>
      <p>
        <span class="badge muted">not configured</span> The MIS sync reads the student-records database named
        by <code>MIS_DATABASE_URL</code>, which is not set.
      </p>
      <p>
        Set <code>MIS_DATABASE_URL=mysql://user:password@host:3306/database</code> (a user that may read{' '}
        <code>tbl_imvoice</code>, <code>tbl_income_category</code>, <code>tbl_personal_ug</code> and{' '}
        <code>tbl_online_application</code> and write their QuickBooks status columns) in the environment or{' '}
        <code>.env</code>, then restart qb-bridge. Optional: <code>MIS_CLAIM_LEASE_SECONDS</code>,{' '}
        <code>MIS_RETRY_DELAY_SECONDS</code>, <code>MIS_MAX_ATTEMPTS</code>.
      </p>
    </section>
  );
}

export function Unavailable(props: { message: string }) {
  return (
    <section class="card" aria-labelledby="mis-problem-heading">
      <h2 id="mis-problem-heading">The MIS cannot be read</h2>
      <p class="error-text" data-field="mis-problem">
        {props.message}
      </p>
    </section>
  );
}

export function StatsCard(props: { stats: Statistics; percent: number }) {
  const s = props.stats;
  const facts: Array<[string, string, number]> = [
    ['Invoices in the MIS', 'total', s.total_invoices],
    ['Synchronized', 'synced', s.already_synced],
    ['Not yet synchronized', 'not-synced', s.not_synced],
    ['Failed', 'failed', s.failed],
    ['Being synchronized now', 'in-progress', s.in_progress],
  ];
  return (
    <section class="card" aria-labelledby="mis-analyze-heading">
      <h2 id="mis-analyze-heading">Analysis</h2>
      <dl class="facts">
        {facts.map(([label, field, value]) => (
          <>
            <dt>{label}</dt>
            <dd class="num" data-stat={field}>
              {String(value)}
            </dd>
          </>
        ))}
      </dl>
      <progress max={100} value={props.percent} aria-label="Share of invoices synchronized" />
      <p class="muted">{`${props.percent}% synchronized`}</p>
    </section>
  );
}

export function RunForms(props: { csrf: Child; batchSize: string; error?: string }) {
  return (
    <section class="card" aria-labelledby="mis-run-heading">
      <h2 id="mis-run-heading">Run</h2>
      <form class="row" method="post" action="/mis/batch" aria-label="Run one batch" novalidate>
        {props.csrf}
        <div>
          <label for="mis-batch-size">{`Batch size (1-${batchSizeLimit})`}</label>
          <input
            id="mis-batch-size"
            name="batch_size"
            type="number"
            inputmode="numeric"
            min="1"
            max={String(batchSizeLimit)}
            value={props.batchSize}
            aria-invalid={props.error ? 'true' : undefined}
            aria-describedby={props.error ? 'mis-batch-size-error' : undefined}
          />
          <FieldError id="mis-batch-size-error" message={props.error} />
        </div>
        <button type="submit" id="mis-run-batch">
          Run batch
        </button>
      </form>
      <form
        class="row"
        method="post"
        action="/mis/all"
        aria-label="Run every invoice"
        data-confirm="Synchronize every invoice not yet in QuickBooks, batch after batch?"
      >
        {props.csrf}
        <button type="submit" class="secondary" id="mis-run-all">
          Run all
        </button>
        <span class="muted">Every unsynchronized invoice, 50 at a time, as one job.</span>
      </form>
    </section>
  );
}

function jobOutcome(job: Job): string | null {
  const s = job.summary as Record<string, unknown> | null;
  if (!s || typeof s.total_processed !== 'number') return null;
  return `${s.total_successful} of ${s.total_processed} synchronized, ${s.total_failed} failed, ${s.total_pending} left pending, ${s.customers_created} customers created`;
}

export function LatestJob(props: { job?: Job }) {
  if (!props.job) return <p class="muted">No MIS run yet.</p>;
  const outcome = jobOutcome(props.job);
  return (
    <JobCard job={props.job} title="Latest MIS run">
      {outcome ? <p data-field="outcome">{outcome}</p> : null}
    </JobCard>
  );
}

function amount(cents: number | null): string {
  return cents === null ? '—' : formatCents(cents);
}

export function PreviewTable(props: { rows: PreviewInvoice[]; paged: Paged }) {
  return (
    <TableSection
      id="mis-preview-heading"
      title="Preview: what the next runs would send"
      empty="Nothing left to synchronize."
      count={props.rows.length}
      columns={[
        'Invoice',
        'Student or applicant',
        'Date',
        'Description',
        { label: 'Amount', numeric: true },
        'Status',
        'Problem',
      ]}
      pager={{ ...props.paged, label: 'Preview pages' }}
    >
      {props.rows.map((r) => (
        <tr data-preview={String(r.invoice_id)}>
          <td>{`${r.invoice_id} (${r.doc_number})`}</td>
          <td>{r.student_details ? `${r.student_details.name} (${r.reg_no ?? ''})` : (r.reg_no ?? '—')}</td>
          <td>{r.invoice_date ? r.invoice_date.slice(0, 10) : '—'}</td>
          <td>{r.description ?? '—'}</td>
          <td class="num">{amount(r.amount_cents)}</td>
          <td>{r.status === 2 ? 'failed' : 'not synchronized'}</td>
          <td class="error-text">{r.problem ?? r.last_error ?? ''}</td>
        </tr>
      ))}
    </TableSection>
  );
}

export function FailedTable(props: { rows: FailedRow[]; paged: Paged; csrf: Child }) {
  return (
    <TableSection
      id="mis-failed-heading"
      title="Failed invoices"
      empty="No failed invoices."
      count={props.rows.length}
      columns={['Invoice', 'Reason', 'Retry']}
      pager={{ ...props.paged, label: 'Failed invoice pages' }}
    >
      {props.rows.map((r) => (
        <tr data-failed={String(r.invoice_id)}>
          <td>{String(r.invoice_id)}</td>
          <td>{r.error}</td>
          <td>
            <RowAction
              action="/mis/retry"
              csrf={props.csrf}
              fields={{ invoice_id: String(r.invoice_id) }}
              text="Retry"
              label={`Retry invoice ${r.invoice_id}`}
              kind="secondary"
            />
          </td>
        </tr>
      ))}
    </TableSection>
  );
}

export function JobsTable(props: { jobs: Job[]; paged: Paged }) {
  return (
    <TableSection
      id="mis-jobs-heading"
      title="Runs"
      empty="No runs yet."
      count={props.jobs.length}
      columns={['Started', 'By', 'State', 'Outcome']}
      pager={{ ...props.paged, label: 'Run pages' }}
    >
      {props.jobs.map((j) => (
        <tr>
          <td>{shortTime(j.startedAt ?? j.createdAt)}</td>
          <td>{j.startedBy}</td>
          <td>{j.state}</td>
          <td>{jobOutcome(j) ?? j.error ?? `${j.done} done, ${j.failed} failed`}</td>
        </tr>
      ))}
    </TableSection>
  );
}
