/** The Web Connector page's read-only parts: sessions, lockouts, the account test box, unmapped accounts, charts. */

import { type PageContext, type PageKit, shortTime } from '../../web/page-module';
import type { MetricRow } from '../metrics/history-store';
import type { StoredMapping } from '../metrics/mapping-store';
import type { Resolution } from '../metrics/mappings';
import type { SessionRow } from '../sessions/session-store';
import type { QbwcLockout } from './queries';

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
