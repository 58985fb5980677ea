import type { Child } from 'hono/jsx';
import { formatCents } from '../../../../shared/src/money';
import type { Job } from '../../jobs/jobs';
import { FieldError, RowAction, shortTime, TableSection } from '../../web/page-module';
import type { UnmappedCos, UnmappedDomain } from '../reconcile';
import type { Exclusion } from '../store';
import type { Item } from './choices';
import type { ExclusionDraft, ExclusionErrors } from './exclusions';
import { runFacts } from './runs';
import { type Party, type Suggestion, suggestItem } from './suggest';

/** The Zimbra page's parts: the run form, the runs table, the mapping forms, exclusions and undo. */

export interface Paged {
  page: number;
  pages: number;
  total: number;
  href: (page: number) => string;
}

function Field(props: { id: string; label: string; error?: string; children: Child }) {
  return (
    <div>
      <label for={props.id}>{props.label}</label>
      {props.children}
      <FieldError id={`${props.id}-error`} message={props.error} />
    </div>
  );
}

const invalid = (id: string, error?: string) =>
  error ? { 'aria-invalid': 'true', 'aria-describedby': `${id}-error` } : {};

export function RunForm(props: {
  csrf: Child;
  month: string;
  mode: string;
  errors: { month?: string; mode?: string };
}) {
  return (
    <form class="row" method="post" action="/zimbra/run" aria-label="Run a month" novalidate>
      {props.csrf}
      <Field id="zimbra-run-month" label="Month (YYYY-MM)" error={props.errors.month}>
        <input
          id="zimbra-run-month"
          name="month"
          type="month"
          value={props.month}
          {...invalid('zimbra-run-month', props.errors.month)}
        />
      </Field>
      <Field id="zimbra-run-mode" label="What to do" error={props.errors.mode}>
        <select id="zimbra-run-mode" name="mode" {...invalid('zimbra-run-mode', props.errors.mode)}>
          <option value="drafts" selected={props.mode !== 'report'}>
            Create draft invoices
          </option>
          <option value="report" selected={props.mode === 'report'}>
            Report only (no invoices)
          </option>
        </select>
      </Field>
      <button type="submit" id="zimbra-run">
        Run the month
      </button>
    </form>
  );
}

export function RunsTable(props: { jobs: Job[]; paged: Paged }) {
  const n = (label: string) => ({ label, numeric: true });
  return (
    <TableSection
      id="zimbra-runs-heading"
      title="Runs by month"
      empty="No runs yet."
      count={props.jobs.length}
      columns={[
        'Month',
        'Started',
        'By',
        'Status',
        'Kind',
        n('Invoices'),
        n('Total'),
        n('Failed'),
        n('Skipped'),
        'Downloads',
      ]}
      pager={{ ...props.paged, label: 'Run pages' }}
    >
      {props.jobs.map((job) => {
        const f = runFacts(job);
        const count = (value: number | null) => (value === null ? '—' : String(value));
        return (
          <tr data-run={job.id} data-month={f.period}>
            <td>{f.period}</td>
            <td>{shortTime(job.startedAt ?? job.createdAt)}</td>
            <td>{job.startedBy.replace(/ \(pid .*\)$/, '')}</td>
            <td data-field="run-status">{f.status}</td>
            <td>{f.mode}</td>
            <td class="num">{count(f.invoices)}</td>
            <td class="num">{f.totalCents === null ? '—' : formatCents(f.totalCents)}</td>
            <td class="num">{count(f.failed)}</td>
            <td class="num">{count(f.skipped)}</td>
            <td>
              {f.excelPath ? (
                <a href={`/zimbra/runs/${job.id}/report.xlsx`} download>{`Excel (${f.period})`}</a>
              ) : null}{' '}
              {job.summary ? (
                <a href={`/zimbra/runs/${job.id}/summary.json`} download>{`JSON (${f.period})`}</a>
              ) : null}
            </td>
          </tr>
        );
      })}
    </TableSection>
  );
}

function PartyOptions(props: { suggestions: Suggestion[]; all: Party[] | null; selected: string }) {
  return (
    <>
      <option value="">Pick a customer</option>
      {props.suggestions.length > 0 ? (
        <optgroup label="Suggested">
          {props.suggestions.map((s) => (
            <option value={s.id} selected={props.selected === s.id}>{`${s.name} (${s.why})`}</option>
          ))}
        </optgroup>
      ) : null}
      {props.all ? (
        <optgroup label="All customers">
          {props.all.map((p) => (
            <option
              value={p.id}
              selected={props.selected === p.id && !props.suggestions.some((s) => s.id === p.id)}
            >
              {p.name}
            </option>
          ))}
        </optgroup>
      ) : null}
    </>
  );
}

export interface RowError {
  key: string;
  field: string;
  message: string;
  value?: string;
}

/** A row's Map / Exclude form: the row's key and the month ride along as hidden fields. */
function MapRowForm(props: {
  action: string;
  csrf: Child;
  month: string;
  keyName: string;
  keyValue: string;
  children: Child;
}) {
  return (
    <form class="row" method="post" action={props.action} aria-label={`Map ${props.keyValue}`}>
      {props.csrf}
      <input type="hidden" name={props.keyName} value={props.keyValue} />
      <input type="hidden" name="month" value={props.month} />
      {props.children}
      <button type="submit" name="action" value="map">
        Map
      </button>
      <button type="submit" name="action" value="exclude" class="secondary">
        Exclude
      </button>
    </form>
  );
}

/** A QuickBooks customer or item: a list to pick from when QuickBooks answered, else its Id typed in. */
function ChoiceField(props: {
  id: string;
  name: string;
  label: string;
  value: string;
  error?: string;
  options: Child | null;
}) {
  return (
    <div>
      {props.options ? (
        <select id={props.id} name={props.name} aria-label={props.label} {...invalid(props.id, props.error)}>
          {props.options}
        </select>
      ) : (
        <input
          id={props.id}
          name={props.name}
          inputmode="numeric"
          value={props.value}
          aria-label={`QuickBooks Id: ${props.label}`}
          {...invalid(props.id, props.error)}
        />
      )}
      <FieldError id={`${props.id}-error`} message={props.error} />
    </div>
  );
}

export function DomainsTable(props: {
  csrf: Child;
  month: string;
  rows: Array<UnmappedDomain & { suggestions: Suggestion[] }>;
  customers: Party[] | null;
  error?: RowError;
  paged: Paged;
}) {
  return (
    <TableSection
      id="zimbra-domains-heading"
      title={`Unmapped domains in ${props.month}`}
      empty="Every domain with usage this month is mapped or excluded."
      count={props.rows.length}
      columns={['Domain', { label: 'Accounts', numeric: true }, 'Bill to']}
      pager={{ ...props.paged, label: 'Unmapped domain pages' }}
    >
      {props.rows.map((row, i) => {
        const error = props.error?.key === row.domain ? props.error : undefined;
        const selected = error?.value ?? row.suggestions[0]?.id ?? '';
        return (
          <tr data-domain={row.domain}>
            <td>{row.domain}</td>
            <td class="num">{String(row.accounts)}</td>
            <td>
              <MapRowForm
                action="/zimbra/domains"
                csrf={props.csrf}
                month={props.month}
                keyName="domain"
                keyValue={row.domain}
              >
                <ChoiceField
                  id={`domain-${i}`}
                  name="customer_id"
                  label={`Customer for ${row.domain}`}
                  value={selected}
                  error={error?.message}
                  options={
                    props.customers ? (
                      <PartyOptions suggestions={row.suggestions} all={props.customers} selected={selected} />
                    ) : null
                  }
                />
              </MapRowForm>
            </td>
          </tr>
        );
      })}
    </TableSection>
  );
}

function ItemOptions(props: { items: Item[]; selected: string; suggested?: string }) {
  return (
    <>
      <option value="">Pick an item</option>
      {props.items.map((item) => (
        <option value={item.id} selected={item.id === props.selected}>
          {`${item.name}${item.unitPriceCents === null ? '' : ` (${formatCents(item.unitPriceCents)})`}${item.id === props.suggested ? ', suggested by the quota or name' : ''}`}
        </option>
      ))}
    </>
  );
}

export function CosTable(props: {
  csrf: Child;
  month: string;
  rows: UnmappedCos[];
  items: Item[] | null;
  error?: RowError;
  paged: Paged;
}) {
  return (
    <TableSection
      id="zimbra-cos-heading"
      title={`Unmapped classes of service in ${props.month}`}
      empty="Every CoS with usage this month is mapped or excluded."
      count={props.rows.length}
      columns={['CoS', { label: 'Accounts', numeric: true }, 'Bill as']}
      pager={{ ...props.paged, label: 'Unmapped CoS pages' }}
    >
      {props.rows.map((row, i) => {
        const id = `cos-${i}`;
        const error = props.error?.key === row.name ? props.error : undefined;
        const quotaError = error?.field === 'quota_gb' ? error.message : undefined;
        const suggested = suggestItem(row.name, row.quotaGb, props.items ?? [])?.id;
        const selected = error?.value ?? suggested ?? '';
        return (
          <tr data-cos={row.name}>
            <td>{row.name}</td>
            <td class="num">{String(row.accounts)}</td>
            <td>
              <MapRowForm
                action="/zimbra/cos"
                csrf={props.csrf}
                month={props.month}
                keyName="name"
                keyValue={row.name}
              >
                <ChoiceField
                  id={id}
                  name="item_id"
                  label={`Item for ${row.name}`}
                  value={selected}
                  error={error?.field === 'item_id' ? error.message : undefined}
                  options={
                    props.items ? (
                      <ItemOptions items={props.items} selected={selected} suggested={suggested} />
                    ) : null
                  }
                />
                <div>
                  <input
                    id={`${id}-quota`}
                    name="quota_gb"
                    inputmode="numeric"
                    size={5}
                    value={row.quotaGb === null ? '' : String(row.quotaGb)}
                    aria-label={`Quota in GB for ${row.name}`}
                    {...invalid(`${id}-quota`, quotaError)}
                  />
                  <FieldError id={`${id}-quota-error`} message={quotaError} />
                </div>
              </MapRowForm>
            </td>
          </tr>
        );
      })}
    </TableSection>
  );
}

export function ExclusionsSection(props: {
  csrf: Child;
  month: string;
  rows: Exclusion[];
  paged: Paged;
  draft: ExclusionDraft;
  errors: ExclusionErrors;
}) {
  const { draft, errors } = props;
  return (
    <>
      <TableSection
        id="zimbra-exclusions-heading"
        title="Exclusions"
        empty="No exclusion patterns."
        count={props.rows.length}
        columns={['Kind', 'Pattern', 'Reason', 'Remove']}
        pager={{ ...props.paged, label: 'Exclusion pages' }}
        intro={
          <p class="muted">
            Domains and CoS matching these patterns (* and ? wildcards) are never billed; each run lists what
            they hid.
          </p>
        }
      >
        {props.rows.map((e) => (
          <tr data-exclusion={`${e.kind}:${e.pattern}`}>
            <td>{e.kind === 'cos' ? 'CoS' : 'domain'}</td>
            <td>
              <code>{e.pattern}</code>
            </td>
            <td>{e.reason}</td>
            <td>
              <RowAction
                action="/zimbra/exclusions/remove"
                csrf={props.csrf}
                fields={{ id: String(e.id), month: props.month }}
                text="Remove"
                label={`Remove exclusion ${e.pattern}`}
                kind="danger"
                confirm={`Stop excluding ${e.pattern}? The next run bills what it matched.`}
              />
            </td>
          </tr>
        ))}
      </TableSection>
      <form class="row" method="post" action="/zimbra/exclusions" aria-label="Add an exclusion" novalidate>
        {props.csrf}
        <input type="hidden" name="month" value={props.month} />
        <Field id="exclusion-kind" label="Kind" error={errors.kind}>
          <select id="exclusion-kind" name="kind" {...invalid('exclusion-kind', errors.kind)}>
            <option value="domain" selected={draft.kind !== 'cos'}>
              domain
            </option>
            <option value="cos" selected={draft.kind === 'cos'}>
              CoS
            </option>
          </select>
        </Field>
        <Field id="exclusion-pattern" label="Pattern" error={errors.pattern}>
          <input
            id="exclusion-pattern"
            name="pattern"
            value={draft.pattern}
            {...invalid('exclusion-pattern', errors.pattern)}
          />
        </Field>
        <Field id="exclusion-reason" label="Reason" error={errors.reason}>
          <input
            id="exclusion-reason"
            name="reason"
            value={draft.reason}
            {...invalid('exclusion-reason', errors.reason)}
          />
        </Field>
        <button type="submit">Add exclusion</button>
      </form>
    </>
  );
}

export function UndoForm(props: { csrf: Child; month: string; error?: string }) {
  return (
    <section class="card" aria-labelledby="zimbra-undo-heading">
      <h2 id="zimbra-undo-heading">Undo a month</h2>
      <p class="muted">
        Deletes the draft invoices qb-bridge created for the month that are still unsent, unpaid and unedited;
        the others are kept and listed.
      </p>
      <form
        class="row"
        method="post"
        action="/zimbra/undo"
        aria-label="Undo a month"
        data-confirm="Delete this month's unsent draft invoices in QuickBooks?"
        novalidate
      >
        {props.csrf}
        <Field id="zimbra-undo-month" label="Month (YYYY-MM)" error={props.error}>
          <input
            id="zimbra-undo-month"
            name="month"
            type="month"
            value={props.month}
            {...invalid('zimbra-undo-month', props.error)}
          />
        </Field>
        <button type="submit" class="danger">
          Undo the month's drafts
        </button>
      </form>
    </section>
  );
}
