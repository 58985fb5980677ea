import type { MetricRow } from '../qbwc/metrics/history-store';
import type { StoredMapping } from '../qbwc/metrics/mapping-store';
import {
  type MappedMetricKey,
  mappedMetricKeys,
  matchTypes,
  type Resolution,
} from '../qbwc/metrics/mappings';
import type { SessionRow } from '../qbwc/sessions/session-store';
import { shortTime } from './forms';
import { FieldError } from './layout';
import type { PageContext, PageKit } from './page-module';
import type { QbwcLockout } from './qbwc-queries';

export type MappingErrors = Partial<
  Record<'qbr_metric_key' | 'qb_account_pattern' | 'match_type' | 'priority' | 'notes', string>
>;

export interface MappingDraft {
  qbr_metric_key: string;
  qb_account_pattern: string;
  match_type: string;
  priority: string;
  is_active: boolean;
  notes: string;
}

export function draftOf(m: StoredMapping): MappingDraft {
  return {
    qbr_metric_key: m.metricKey,
    qb_account_pattern: m.pattern,
    match_type: m.matchType,
    priority: String(m.priority),
    is_active: m.isActive,
    notes: m.notes ?? '',
  };
}

const statusBadge = (s: string) =>
  s === 'completed' ? 'ok' : s === 'failed' ? 'bad' : s === 'active' ? 'warn' : 'muted';

export function SessionsTable(props: { rows: SessionRow[] }) {
  return (
    <table>
      <thead>
        <tr>
          <th scope="col">Started</th>
          <th scope="col">User</th>
          <th scope="col">Status</th>
          <th scope="col" class="num">
            Requests
          </th>
          <th scope="col">Company file</th>
          <th scope="col">Web Connector</th>
          <th scope="col">Error</th>
        </tr>
      </thead>
      <tbody>
        {props.rows.map((s) => (
          <tr>
            <td>{shortTime(s.createdAt)}</td>
            <td>{s.username}</td>
            <td>
              <span class={`badge ${statusBadge(s.status)}`}>{s.status}</span>
            </td>
            <td class="num">{`${s.queriesCompleted} / ${s.queriesTotal}`}</td>
            <td>{s.companyFile ?? '—'}</td>
            <td>{s.clientVersion ?? '—'}</td>
            <td class="error-text">{s.lastError ?? ''}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

export function LockoutsTable(props: { c: PageContext; kit: PageKit; lockouts: QbwcLockout[] }) {
  if (props.lockouts.length === 0) return <p>No Web Connector user is locked out.</p>;
  return (
    <table>
      <thead>
        <tr>
          <th scope="col">User name</th>
          <th scope="col" class="num">
            Failed logins
          </th>
          <th scope="col">Last attempt</th>
          <th scope="col">From</th>
          <th scope="col">Locked until</th>
          <th scope="col">
            <span class="muted">Action</span>
          </th>
        </tr>
      </thead>
      <tbody>
        {props.lockouts.map((l) => (
          <tr data-lockout={l.username}>
            <td>{l.username}</td>
            <td class="num">{String(l.failures)}</td>
            <td>{shortTime(l.lastAttemptAt)}</td>
            <td>{l.lastAddress ?? '—'}</td>
            <td>{shortTime(l.lockedUntil)}</td>
            <td>
              <form
                class="inline"
                method="post"
                action="/web-connector/unlock"
                data-confirm={`Unlock ${l.username}? Only do this when you know the failed logins were yours.`}
              >
                {props.kit.csrfField(props.c)}
                <input type="hidden" name="username" value={l.username} />
                <button type="submit" aria-label={`Unlock ${l.username}`}>
                  Unlock
                </button>
              </form>
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

function MetricSelect(props: { id: string; form?: string; value: string; error?: string }) {
  return (
    <select
      id={props.id}
      name="qbr_metric_key"
      form={props.form}
      aria-invalid={props.error ? 'true' : undefined}
      aria-describedby={props.error ? `${props.id}-error` : undefined}
    >
      {mappedMetricKeys.map((k) => (
        <option value={k} selected={props.value === k}>
          {k}
        </option>
      ))}
    </select>
  );
}

function TypeSelect(props: { id: string; form?: string; value: string }) {
  return (
    <select id={props.id} name="match_type" form={props.form}>
      {matchTypes.map((t) => (
        <option value={t} selected={props.value === t}>
          {t}
        </option>
      ))}
    </select>
  );
}

/** One row per mapping, editable in place: its inputs belong to the form in the row's last cell. */
export function MappingsTable(props: {
  c: PageContext;
  kit: PageKit;
  mappings: StoredMapping[];
  editing?: { id: number; draft: MappingDraft; errors: MappingErrors };
}) {
  return (
    <table>
      <thead>
        <tr>
          <th scope="col" class="num">
            Id
          </th>
          <th scope="col">Priority</th>
          <th scope="col">Type</th>
          <th scope="col">Pattern</th>
          <th scope="col">Metric</th>
          <th scope="col">Active</th>
          <th scope="col">
            <span class="muted">Actions</span>
          </th>
        </tr>
      </thead>
      <tbody>
        {props.mappings.map((m) => {
          const mine = props.editing?.id === m.id ? props.editing : undefined;
          const d = mine?.draft ?? draftOf(m);
          const e = mine?.errors ?? {};
          const f = `mapping-${m.id}`;
          return (
            <tr data-mapping={String(m.id)}>
              <td class="num">{String(m.id)}</td>
              <td>
                <input
                  form={f}
                  name="priority"
                  id={`${f}-priority`}
                  inputmode="numeric"
                  size={6}
                  value={d.priority}
                  aria-label={`Priority of mapping ${m.id}`}
                  aria-invalid={e.priority ? 'true' : undefined}
                  aria-describedby={e.priority ? `${f}-priority-error` : undefined}
                />
                <FieldError id={`${f}-priority-error`} message={e.priority} />
              </td>
              <td>
                <label class="skip" for={`${f}-type`}>{`Match type of mapping ${m.id}`}</label>
                <TypeSelect id={`${f}-type`} form={f} value={d.match_type} />
                <FieldError id={`${f}-type-error`} message={e.match_type} />
              </td>
              <td>
                <input
                  form={f}
                  name="qb_account_pattern"
                  id={`${f}-pattern`}
                  value={d.qb_account_pattern}
                  aria-label={`Pattern of mapping ${m.id}`}
                  aria-invalid={e.qb_account_pattern ? 'true' : undefined}
                  aria-describedby={e.qb_account_pattern ? `${f}-pattern-error` : undefined}
                />
                <FieldError id={`${f}-pattern-error`} message={e.qb_account_pattern} />
              </td>
              <td>
                <label class="skip" for={`${f}-metric`}>{`Metric of mapping ${m.id}`}</label>
                <MetricSelect id={`${f}-metric`} form={f} value={d.qbr_metric_key} error={e.qbr_metric_key} />
                <FieldError id={`${f}-metric-error`} message={e.qbr_metric_key} />
              </td>
              <td>
                <input
                  form={f}
                  type="checkbox"
                  name="is_active"
                  checked={d.is_active}
                  aria-label={`Mapping ${m.id} active`}
                />
              </td>
              <td>
                <form id={f} class="inline" method="post" action={`/web-connector/mappings/${m.id}`}>
                  {props.kit.csrfField(props.c)}
                  <input type="hidden" name="notes" value={d.notes} />
                  <button type="submit" class="secondary" aria-label={`Save mapping ${m.id}`}>
                    Save
                  </button>
                </form>{' '}
                <form
                  class="inline"
                  method="post"
                  action={`/web-connector/mappings/${m.id}/delete`}
                  data-confirm={`Delete mapping ${m.id} (${m.pattern})?`}
                >
                  {props.kit.csrfField(props.c)}
                  <button type="submit" class="danger" aria-label={`Delete mapping ${m.id}`}>
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

export function AddMappingForm(props: {
  c: PageContext;
  kit: PageKit;
  draft: MappingDraft;
  errors: MappingErrors;
}) {
  const { draft: d, errors: e } = props;
  const described = (name: keyof MappingErrors) =>
    e[name] ? { 'aria-invalid': 'true' as const, 'aria-describedby': `new-${name}-error` } : {};
  return (
    <form class="row" method="post" action="/web-connector/mappings" id="add-mapping" novalidate>
      {props.kit.csrfField(props.c)}
      <div>
        <label for="new-priority">Priority</label>
        <input
          id="new-priority"
          name="priority"
          inputmode="numeric"
          size={6}
          value={d.priority}
          {...described('priority')}
        />
        <FieldError id="new-priority-error" message={e.priority} />
      </div>
      <div>
        <label for="new-type">Match type</label>
        <TypeSelect id="new-type" value={d.match_type} />
        <FieldError id="new-match_type-error" message={e.match_type} />
      </div>
      <div>
        <label for="new-pattern">Account pattern</label>
        <input
          id="new-pattern"
          name="qb_account_pattern"
          value={d.qb_account_pattern}
          {...described('qb_account_pattern')}
        />
        <FieldError id="new-qb_account_pattern-error" message={e.qb_account_pattern} />
      </div>
      <div>
        <label for="new-metric">Metric</label>
        <MetricSelect id="new-metric" value={d.qbr_metric_key} error={e.qbr_metric_key} />
        <FieldError id="new-qbr_metric_key-error" message={e.qbr_metric_key} />
      </div>
      <div>
        <label for="new-notes">Notes</label>
        <input id="new-notes" name="notes" value={d.notes} {...described('notes')} />
        <FieldError id="new-notes-error" message={e.notes} />
      </div>
      <input type="hidden" name="is_active" value="on" />
      <button type="submit">Add mapping</button>
    </form>
  );
}

export const accountKinds = ['income', 'cogs', 'expense', 'other_income', 'other_expense'] as const;

export function TestAccountForm(props: {
  account: string;
  kind: string;
  result?: Resolution;
  mappings: StoredMapping[];
}) {
  const byId = new Map(props.mappings.map((m) => [m.id, m]));
  const won = props.result?.mapping;
  return (
    <>
      <form class="row" method="get" action="/web-connector#test-account" aria-label="Test an account name">
        <div>
          <label for="test-account-name">
            Account name (full path, e.g. Expenses:Payroll Expenses:Wages)
          </label>
          <input id="test-account-name" name="account" size={50} value={props.account} />
        </div>
        <div>
          <label for="test-account-kind">Section of the P&amp;L</label>
          <select id="test-account-kind" name="kind">
            {accountKinds.map((k) => (
              <option value={k} selected={props.kind === k}>
                {k}
              </option>
            ))}
          </select>
        </div>
        <button type="submit">Test</button>
      </form>
      {props.result ? (
        <div role="status" data-field="test-result">
          {won ? (
            <p>
              {`Mapping ${won.id} wins: ${won.matchType} "${won.pattern}" (priority ${won.priority}) → `}
              <strong>{won.metricKey}</strong>
            </p>
          ) : (
            <p class="warning">No active mapping matches: this account would be listed as unmapped.</p>
          )}
          {props.result.passedOver.length > 0 ? (
            <ul>
              {props.result.passedOver.map((p) => (
                <li>{`Mapping ${p.mappingId} (${byId.get(p.mappingId)?.pattern ?? '?'}) matched but was passed over: ${p.reason}`}</li>
              ))}
            </ul>
          ) : null}
        </div>
      ) : null}
    </>
  );
}

export interface UnmappedAccount {
  account: string;
  kind: string;
  periods: string[];
  totalCents: number;
}

export function UnmappedTable(props: { rows: UnmappedAccount[] }) {
  if (props.rows.length === 0) return <p>Every account in the stored months is mapped.</p>;
  return (
    <table>
      <thead>
        <tr>
          <th scope="col">Account</th>
          <th scope="col">Section</th>
          <th scope="col">Months</th>
          <th scope="col" class="num">
            Amount
          </th>
          <th scope="col">
            <span class="muted">Action</span>
          </th>
        </tr>
      </thead>
      <tbody>
        {props.rows.map((u) => (
          <tr>
            <td>{u.account}</td>
            <td>{u.kind}</td>
            <td>{u.periods.join(', ')}</td>
            <td class="num">{formatDollars(u.totalCents)}</td>
            <td>
              <a href={`/web-connector?pattern=${encodeURIComponent(u.account)}#add-mapping`}>Map it</a>
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

export function formatDollars(cents: number): string {
  const sign = cents < 0 ? '-' : '';
  const abs = Math.abs(cents);
  const whole = Math.floor(abs / 100).toLocaleString('en-US');
  return `${sign}$${whole}.${String(abs % 100).padStart(2, '0')}`;
}

const chartMetrics = ['total_revenue', 'total_expenses', 'net_profit', 'employees'] as const;

/** The charts' numbers as a data block (never executed: CSP allows no inline script) plus a table twin. */
export function MetricsCharts(props: { rows: MetricRow[] }) {
  const rows = props.rows.filter((r) => (chartMetrics as readonly string[]).includes(r.metric_name));
  const json = JSON.stringify(
    rows.map((r) => ({ period: r.period, metric_name: r.metric_name, metric_value: r.metric_value })),
  ).replace(/</g, '\\u003c');
  const periods = [...new Set(rows.map((r) => r.period))].sort();
  const value = (period: string, metric: string) =>
    rows.find((r) => r.period === period && r.metric_name === metric)?.metric_value ?? '—';
  if (periods.length === 0)
    return <p>No QBR metrics yet: they appear after the first Web Connector session.</p>;
  return (
    <>
      <script type="application/json" id="qbr-metrics" dangerouslySetInnerHTML={{ __html: json }} />
      <div
        id="chart-revenue"
        class="chart"
        role="img"
        aria-label="Chart: revenue vs expenses by month (the table below has the numbers)"
      />
      <div id="chart-profit" class="chart" role="img" aria-label="Chart: net profit by month" />
      <div id="chart-employees" class="chart" role="img" aria-label="Chart: employees by month" />
      <details>
        <summary>The numbers behind the charts</summary>
        <table>
          <thead>
            <tr>
              <th scope="col">Month</th>
              {chartMetrics.map((m) => (
                <th scope="col" class="num">
                  {m}
                </th>
              ))}
            </tr>
          </thead>
          <tbody>
            {periods.map((p) => (
              <tr>
                <td>{p}</td>
                {chartMetrics.map((m) => (
                  <td class="num">{value(p, m)}</td>
                ))}
              </tr>
            ))}
          </tbody>
        </table>
      </details>
    </>
  );
}

export function isMetricKey(value: string): value is MappedMetricKey {
  return (mappedMetricKeys as readonly string[]).includes(value);
}
