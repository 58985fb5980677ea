import type { Child } from 'hono/jsx';
import { formatCents } from '../../../../shared/src/money';
import type { Job } from '../../jobs/jobs';
import { FieldError, Pager, shortTime } from '../../web/page-module';
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
  return (
    <section aria-labelledby="zimbra-runs-heading">
      <h2 id="zimbra-runs-heading">Runs by month</h2>
      {props.jobs.length === 0 ? (
        <p class="muted">No runs yet.</p>
      ) : (
        <table>
          <thead>
            <tr>
              <th scope="col">Month</th>
              <th scope="col">Started</th>
              <th scope="col">By</th>
              <th scope="col">Status</th>
              <th scope="col">Kind</th>
              <th scope="col" class="num">
                Invoices
              </th>
              <th scope="col" class="num">
                Total
              </th>
              <th scope="col" class="num">
                Failed
              </th>
              <th scope="col" class="num">
                Skipped
              </th>
              <th scope="col">Downloads</th>
            </tr>
          </thead>
          <tbody>
            {props.jobs.map((job) => {
              const f = runFacts(job);
              return (
                <tr data-run={job.id} data-month={f.period}>
                  <td>{f.period}</td>
                  <td>{shortTime(job.startedAt ?? job.createdAt)}</td>
                  <td>{job.startedBy.replace(/ \(pid .*\)$/, '')}</td>
                  <td data-field="run-status">{f.status}</td>
                  <td>{f.mode}</td>
                  <td class="num">{f.invoices === null ? '—' : String(f.invoices)}</td>
                  <td class="num">{f.totalCents === null ? '—' : formatCents(f.totalCents)}</td>
                  <td class="num">{f.failed === null ? '—' : String(f.failed)}</td>
                  <td class="num">{f.skipped === null ? '—' : String(f.skipped)}</td>
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
          </tbody>
        </table>
      )}
      <Pager {...props.paged} label="Run pages" />
    </section>
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

export function DomainsTable(props: {
  csrf: Child;
  month: string;
  rows: Array<UnmappedDomain & { suggestions: Suggestion[] }>;
  customers: Party[] | null;
  error?: RowError;
  paged: Paged;
}) {
  return (
    <section aria-labelledby="zimbra-domains-heading">
      <h2 id="zimbra-domains-heading">{`Unmapped domains in ${props.month}`}</h2>
      {props.rows.length === 0 ? (
        <p class="muted">Every domain with usage this month is mapped or excluded.</p>
      ) : (
        <table>
          <thead>
            <tr>
              <th scope="col">Domain</th>
              <th scope="col" class="num">
                Accounts
              </th>
              <th scope="col">Bill to</th>
            </tr>
          </thead>
          <tbody>
            {props.rows.map((row, i) => {
              const id = `domain-${i}`;
              const error = props.error?.key === row.domain ? props.error : undefined;
              const selected = error?.value ?? row.suggestions[0]?.id ?? '';
              return (
                <tr data-domain={row.domain}>
                  <td>{row.domain}</td>
                  <td class="num">{String(row.accounts)}</td>
                  <td>
                    <form class="row" method="post" action="/zimbra/domains" aria-label={`Map ${row.domain}`}>
                      {props.csrf}
                      <input type="hidden" name="domain" value={row.domain} />
                      <input type="hidden" name="month" value={props.month} />
                      <div>
                        {props.customers ? (
                          <select
                            id={id}
                            name="customer_id"
                            aria-label={`Customer for ${row.domain}`}
                            {...invalid(id, error?.message)}
                          >
                            <PartyOptions
                              suggestions={row.suggestions}
                              all={props.customers}
                              selected={selected}
                            />
                          </select>
                        ) : (
                          <input
                            id={id}
                            name="customer_id"
                            inputmode="numeric"
                            value={selected}
                            aria-label={`QuickBooks customer Id for ${row.domain}`}
                            {...invalid(id, error?.message)}
                          />
                        )}
                        <FieldError id={`${id}-error`} message={error?.message} />
                      </div>
                      <button type="submit" name="action" value="map">
                        Map
                      </button>
                      <button type="submit" name="action" value="exclude" class="secondary">
                        Exclude
                      </button>
                    </form>
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      )}
      <Pager {...props.paged} label="Unmapped domain pages" />
    </section>
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
    <section aria-labelledby="zimbra-cos-heading">
      <h2 id="zimbra-cos-heading">{`Unmapped classes of service in ${props.month}`}</h2>
      {props.rows.length === 0 ? (
        <p class="muted">Every CoS with usage this month is mapped or excluded.</p>
      ) : (
        <table>
          <thead>
            <tr>
              <th scope="col">CoS</th>
              <th scope="col" class="num">
                Accounts
              </th>
              <th scope="col">Bill as</th>
            </tr>
          </thead>
          <tbody>
            {props.rows.map((row, i) => {
              const id = `cos-${i}`;
              const error = props.error?.key === row.name ? props.error : undefined;
              const itemError = error?.field === 'item_id' ? error.message : undefined;
              const quotaError = error?.field === 'quota_gb' ? error.message : undefined;
              const suggested = suggestItem(row.name, row.quotaGb, props.items ?? [])?.id;
              const selected = error?.value ?? suggested ?? '';
              return (
                <tr data-cos={row.name}>
                  <td>{row.name}</td>
                  <td class="num">{String(row.accounts)}</td>
                  <td>
                    <form class="row" method="post" action="/zimbra/cos" aria-label={`Map ${row.name}`}>
                      {props.csrf}
                      <input type="hidden" name="name" value={row.name} />
                      <input type="hidden" name="month" value={props.month} />
                      <div>
                        {props.items ? (
                          <select
                            id={id}
                            name="item_id"
                            aria-label={`Item for ${row.name}`}
                            {...invalid(id, itemError)}
                          >
                            <option value="">Pick an item</option>
                            {props.items.map((item) => (
                              <option value={item.id} selected={item.id === selected}>
                                {`${item.name}${item.unitPriceCents === null ? '' : ` (${formatCents(item.unitPriceCents)})`}${item.id === suggested ? ', suggested by the quota or name' : ''}`}
                              </option>
                            ))}
                          </select>
                        ) : (
                          <input
                            id={id}
                            name="item_id"
                            inputmode="numeric"
                            value={selected}
                            aria-label={`QuickBooks item Id for ${row.name}`}
                            {...invalid(id, itemError)}
                          />
                        )}
                        <FieldError id={`${id}-error`} message={itemError} />
                      </div>
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
                      <button type="submit" name="action" value="map">
                        Map
                      </button>
                      <button type="submit" name="action" value="exclude" class="secondary">
                        Exclude
                      </button>
                    </form>
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      )}
      <Pager {...props.paged} label="Unmapped CoS pages" />
    </section>
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
    <section aria-labelledby="zimbra-exclusions-heading">
      <h2 id="zimbra-exclusions-heading">Exclusions</h2>
      <p class="muted">
        Domains and CoS matching these patterns (* and ? wildcards) are never billed; each run lists what they
        hid.
      </p>
      <table>
        <thead>
          <tr>
            <th scope="col">Kind</th>
            <th scope="col">Pattern</th>
            <th scope="col">Reason</th>
            <th scope="col">Remove</th>
          </tr>
        </thead>
        <tbody>
          {props.rows.map((e) => (
            <tr data-exclusion={`${e.kind}:${e.pattern}`}>
              <td>{e.kind === 'cos' ? 'CoS' : 'domain'}</td>
              <td>
                <code>{e.pattern}</code>
              </td>
              <td>{e.reason}</td>
              <td>
                <form
                  class="inline"
                  method="post"
                  action="/zimbra/exclusions/remove"
                  data-confirm={`Stop excluding ${e.pattern}? The next run bills what it matched.`}
                >
                  {props.csrf}
                  <input type="hidden" name="id" value={String(e.id)} />
                  <input type="hidden" name="month" value={props.month} />
                  <button type="submit" class="danger" aria-label={`Remove exclusion ${e.pattern}`}>
                    Remove
                  </button>
                </form>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      <Pager {...props.paged} label="Exclusion pages" />
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
    </section>
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
