import type { Child } from 'hono/jsx';
import type { RowResult } from '../../../../shared/src/sheets/contract';
import type { Job } from '../../jobs/jobs';
import {
  FieldError,
  type PageContext,
  type PageKit,
  type PagerProps,
  RowAction,
  TableSection,
} from '../../web/page-module';
import type { CustomerMapping } from '../customer-map';

/**
 * The Sheets page's tables: recent jobs with their progress, one job's per-row outcomes, and the
 * customer-mapping table with in-place edit/delete forms (errors beside the field they are about). Each is
 * a `TableSection` (heading, table or empty sentence, pager), the widget every flow page shares.
 */

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
export function JobsTable(props: { jobs: Job[]; href: (jobId: string) => string; pager: PagerProps }) {
  return (
    <TableSection
      id="jobs-heading"
      title="Recent syncs"
      empty="No sheet syncs yet."
      count={props.jobs.length}
      columns={['Started', 'Spreadsheet', 'State', 'Progress', 'By']}
      pager={props.pager}
    >
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
    </TableSection>
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

export function RowsTable(props: { title: string; intro: Child; rows: RowResult[]; pager: PagerProps }) {
  return (
    <TableSection
      id="rows-heading"
      title={props.title}
      intro={props.intro}
      empty="No row results yet."
      count={props.rows.length}
      columns={[{ label: 'Sheet row', numeric: true }, 'Number', 'Status', 'Outcome']}
      pager={props.pager}
    >
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
    </TableSection>
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
  pager: PagerProps;
  intro: Child;
  editing?: { client: string; draft: MappingDraft; errors: MappingErrors };
}) {
  const csrf = props.kit.csrfField(props.c);
  return (
    <TableSection
      id="customers-heading"
      title="Customer mapping"
      intro={props.intro}
      empty="No client names mapped yet: a sync records each customer it finds or creates."
      count={props.mappings.length}
      columns={[
        'Client name in the sheet',
        'QuickBooks customer Id',
        'Customer',
        'How',
        'Changed',
        'Actions',
      ]}
      pager={props.pager}
    >
      {props.mappings.map((m, i) => {
        // Client names can hold any character; the row's place on the page makes the form's id.
        const f = `map-${i}`;
        const mine = props.editing?.client === m.sheetName ? props.editing : undefined;
        const value = mine?.draft.customerId ?? m.customerId;
        const error = mine?.errors.customerId;
        const fields = { client: m.sheetName, realm: m.realmId };
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
              {/* The Id field above belongs to the Save form through its form attribute. */}
              <RowAction
                id={f}
                action={props.action}
                csrf={csrf}
                fields={fields}
                text="Save"
                label={`Save the mapping of ${m.sheetName}`}
                kind="secondary"
              />{' '}
              <RowAction
                action={`${props.action}/delete`}
                csrf={csrf}
                fields={fields}
                text="Delete"
                label={`Delete the mapping of ${m.sheetName}`}
                kind="danger"
                confirm={`Forget the mapping of "${m.sheetName}"? The next sync looks the name up again.`}
              />
            </td>
          </tr>
        );
      })}
    </TableSection>
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
