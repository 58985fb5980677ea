import type { RowResult } from '../../../shared/src/sheets/contract';
import type { Job } from '../jobs/jobs';
import type { PageContext, PageKit } from '../web/page-module';
import type { CustomerMapping } from './customer-map';

/**
 * The Sheets page's tables: recent jobs with their progress, one job's per-row outcomes, and the
 * customer-mapping table with in-place edit/delete forms (errors beside the field they are about).
 */

export const pageSize = 25;

export interface Slice<T> {
  items: T[];
  page: number;
  pages: number;
  total: number;
}

export function sliceOf<T>(all: readonly T[], requested: string | undefined): Slice<T> {
  const n = Number(requested);
  const pages = Math.max(1, Math.ceil(all.length / pageSize));
  const page = Number.isInteger(n) && n >= 1 ? Math.min(n, pages) : 1;
  return { items: all.slice((page - 1) * pageSize, page * pageSize), page, pages, total: all.length };
}

export function PageLinks(props: { label: string; slice: Slice<unknown>; href: (page: number) => string }) {
  const { page, pages, total } = props.slice;
  if (pages <= 1) return <p class="muted">{`${total} in all`}</p>;
  return (
    <nav class="pager" aria-label={props.label}>
      {page > 1 ? <a href={props.href(page - 1)}>← Previous</a> : null}
      <span>{`Page ${page} of ${pages} (${total} in all)`}</span>
      {page < pages ? <a href={props.href(page + 1)}>Next →</a> : null}
    </nav>
  );
}

function FieldError(props: { id: string; message?: string }) {
  return props.message ? (
    <span class="field-error" id={props.id}>
      {props.message}
    </span>
  ) : null;
}

const when = (iso: string | null) => (iso ? `${iso.slice(0, 16).replace('T', ' ')} UTC` : '—');

const badgeOf = (state: string) =>
  state === 'done' || state === 'synced'
    ? 'ok'
    : state === 'failed'
      ? 'bad'
      : state === 'running' || state === 'queued' || state === 'pending'
        ? 'warn'
        : 'muted';

/** A running job's row carries `data-job`: the dashboard's script follows it (`/api/jobs/:id`) without a reload. */
export function JobsTable(props: { jobs: Job[]; href: (jobId: string) => string }) {
  if (props.jobs.length === 0) return <p class="muted">No sheet syncs yet.</p>;
  return (
    <table>
      <thead>
        <tr>
          <th scope="col">Started</th>
          <th scope="col">Spreadsheet</th>
          <th scope="col">State</th>
          <th scope="col">Progress</th>
          <th scope="col">By</th>
        </tr>
      </thead>
      <tbody>
        {props.jobs.map((job) => {
          const live = job.state === 'running' || job.state === 'queued';
          const started = when(job.startedAt ?? job.createdAt);
          return (
            <tr data-sheet-job={job.id} data-job={live ? job.id : undefined}>
              <td>
                <a href={props.href(job.id)}>{started}</a>
              </td>
              <td>{job.scope}</td>
              <td>
                <span class={`badge ${badgeOf(job.state)}`} data-field="state">
                  {job.state}
                </span>
                {job.dryRun ? <span class="muted"> (dry run)</span> : null}
              </td>
              <td>
                <span data-field="done">{String(job.done)}</span> done,{' '}
                <span data-field="failed">{String(job.failed)}</span> not done of{' '}
                <span data-field="total">{job.total === null ? '?' : String(job.total)}</span>{' '}
                {live ? (
                  <span class="muted" data-field="live">
                    (live)
                  </span>
                ) : null}
                <progress
                  max={Math.max(1, job.total ?? 1)}
                  value={job.done + job.failed}
                  aria-label={`Progress of the sync started ${started}`}
                />
              </td>
              <td>{job.startedBy}</td>
            </tr>
          );
        })}
      </tbody>
    </table>
  );
}

/** The QuickBooks object a row became (a link to it in QuickBooks), then its error and warnings. */
function Outcome(props: { r: RowResult }) {
  const { r } = props;
  const id = r.invoiceId ? `Invoice ${r.invoiceId}` : r.billId ? `Bill ${r.billId}` : '';
  const url = r.invoiceUrl ?? r.billUrl;
  const words = [r.error, ...r.warnings].filter(Boolean).join(' — ');
  return (
    <>
      {id && url ? <a href={url}>{id}</a> : id}
      {id && words ? ' — ' : ''}
      {words}
    </>
  );
}

export function RowsTable(props: { rows: RowResult[] }) {
  if (props.rows.length === 0) return <p class="muted">No row results yet.</p>;
  return (
    <table>
      <thead>
        <tr>
          <th scope="col" class="num">
            Sheet row
          </th>
          <th scope="col">Number</th>
          <th scope="col">Status</th>
          <th scope="col">Outcome</th>
        </tr>
      </thead>
      <tbody>
        {props.rows.map((r) => (
          <tr data-row={r.rowId}>
            <td class="num">{String(r.sheetRow)}</td>
            <td>{r.docNumber ?? '—'}</td>
            <td>
              <span class={`badge ${badgeOf(r.status)}`}>{r.status}</span>
            </td>
            <td>
              <Outcome r={r} />
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

export interface MappingDraft {
  client: string;
  customerId: string;
}
export type MappingErrors = Partial<Record<keyof MappingDraft, string>>;

export function CustomerMapTable(props: {
  c: PageContext;
  kit: PageKit;
  action: string;
  mappings: CustomerMapping[];
  editing?: { client: string; draft: MappingDraft; errors: MappingErrors };
}) {
  if (props.mappings.length === 0) {
    return <p class="muted">No client names mapped yet: a sync records each customer it finds or creates.</p>;
  }
  return (
    <table>
      <thead>
        <tr>
          <th scope="col">Client name in the sheet</th>
          <th scope="col">QuickBooks customer Id</th>
          <th scope="col">Customer</th>
          <th scope="col">How</th>
          <th scope="col">Changed</th>
          <th scope="col">
            <span class="muted">Actions</span>
          </th>
        </tr>
      </thead>
      <tbody>
        {props.mappings.map((m, i) => {
          // Client names can hold any character; the row's place on the page makes the form's id.
          const f = `map-${i}`;
          const mine = props.editing?.client === m.sheetName ? props.editing : undefined;
          const value = mine?.draft.customerId ?? m.customerId;
          const error = mine?.errors.customerId;
          return (
            <tr data-client={m.sheetName}>
              <td>{m.sheetName}</td>
              <td>
                <input
                  form={f}
                  name="customerId"
                  id={`${f}-customer`}
                  inputmode="numeric"
                  size={8}
                  value={value}
                  aria-label={`QuickBooks customer Id for ${m.sheetName}`}
                  aria-invalid={error ? 'true' : undefined}
                  aria-describedby={error ? `${f}-customer-error` : undefined}
                />
                <FieldError id={`${f}-customer-error`} message={error} />
              </td>
              <td>{m.customerName ?? '—'}</td>
              <td>{m.source}</td>
              <td>{`${when(m.updatedAt)} by ${m.updatedBy}`}</td>
              <td>
                <form id={f} class="inline" method="post" action={props.action}>
                  {props.kit.csrfField(props.c)}
                  <input type="hidden" name="client" value={m.sheetName} />
                  <input type="hidden" name="realm" value={m.realmId} />
                  <button type="submit" class="secondary" aria-label={`Save the mapping of ${m.sheetName}`}>
                    Save
                  </button>
                </form>{' '}
                <form
                  class="inline"
                  method="post"
                  action={`${props.action}/delete`}
                  data-confirm={`Forget the mapping of "${m.sheetName}"? The next sync looks the name up again.`}
                >
                  {props.kit.csrfField(props.c)}
                  <input type="hidden" name="client" value={m.sheetName} />
                  <input type="hidden" name="realm" value={m.realmId} />
                  <button type="submit" class="danger" aria-label={`Delete the mapping of ${m.sheetName}`}>
                    Delete
                  </button>
                </form>
              </td>
            </tr>
          );
        })}
      </tbody>
    </table>
  );
}

export function AddCustomerMapForm(props: {
  c: PageContext;
  kit: PageKit;
  action: string;
  draft: MappingDraft;
  errors: MappingErrors;
}) {
  const { draft: d, errors: e } = props;
  const described = (name: keyof MappingDraft) =>
    e[name] ? { 'aria-invalid': 'true' as const, 'aria-describedby': `new-${name}-error` } : {};
  return (
    <form class="row" method="post" action={props.action} id="add-customer-mapping" novalidate>
      {props.kit.csrfField(props.c)}
      <div>
        <label for="new-client">Client name in the sheet</label>
        <input id="new-client" name="client" value={d.client} {...described('client')} />
        <FieldError id="new-client-error" message={e.client} />
      </div>
      <div>
        <label for="new-customerId">QuickBooks customer Id</label>
        <input
          id="new-customerId"
          name="customerId"
          inputmode="numeric"
          size={8}
          value={d.customerId}
          {...described('customerId')}
        />
        <FieldError id="new-customerId-error" message={e.customerId} />
      </div>
      <button type="submit">Add mapping</button>
    </form>
  );
}
