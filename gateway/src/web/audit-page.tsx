import { auditActions, auditOutcomes, countAudit, listAudit, readAuditFilter } from './audit-query';
import { pageNumber, pageSize, shortTime } from './forms';
import { FieldError, Pager } from './layout';
import type { DashboardPage } from './page-module';

function detailsText(details: string): string {
  if (details === '{}' || !details) return '';
  return details.length > 300 ? `${details.slice(0, 300)}…` : details;
}

type AuditQuery = Record<string, string>;
type AuditErrors = ReturnType<typeof readAuditFilter>['errors'];
type AuditRow = ReturnType<typeof listAudit>[number];

function FilterField(props: {
  name: 'actor' | 'action' | 'from' | 'to';
  label: string;
  query: AuditQuery;
  errors: AuditErrors;
  type?: string;
  list?: string;
}) {
  const { name, errors } = props;
  return (
    <div>
      <label for={`f-${name}`}>{props.label}</label>
      <input
        id={`f-${name}`}
        name={name}
        type={props.type ?? 'text'}
        list={props.list}
        value={props.query[name] ?? ''}
        aria-invalid={errors[name] ? 'true' : undefined}
        aria-describedby={errors[name] ? `e-${name}` : undefined}
      />
      <FieldError id={`e-${name}`} message={errors[name]} />
    </div>
  );
}

function AuditFilterForm(props: { query: AuditQuery; errors: AuditErrors; actions: readonly string[] }) {
  const { query, errors } = props;
  return (
    <form class="row card" method="get" action="/audit" aria-label="Filter the audit log">
      <FilterField name="actor" label="Actor contains" query={query} errors={errors} />
      <FilterField name="action" label="Action contains" query={query} errors={errors} list="audit-actions" />
      <datalist id="audit-actions">
        {props.actions.map((a) => (
          <option value={a} />
        ))}
      </datalist>
      <div>
        <label for="f-outcome">Outcome</label>
        <select
          id="f-outcome"
          name="outcome"
          aria-invalid={errors.outcome ? 'true' : undefined}
          aria-describedby={errors.outcome ? 'e-outcome' : undefined}
        >
          <option value="">any</option>
          {auditOutcomes.map((o) => (
            <option value={o} selected={query.outcome === o}>
              {o}
            </option>
          ))}
        </select>
        <FieldError id="e-outcome" message={errors.outcome} />
      </div>
      <FilterField name="from" label="From (UTC date)" type="date" query={query} errors={errors} />
      <FilterField name="to" label="To (UTC date)" type="date" query={query} errors={errors} />
      <button type="submit">Filter</button>
      <a href="/audit">Clear</a>
    </form>
  );
}

function AuditTable(props: { rows: readonly AuditRow[] }) {
  return (
    <table>
      <caption class="muted">Newest first</caption>
      <thead>
        <tr>
          <th scope="col">When</th>
          <th scope="col">Actor</th>
          <th scope="col">Action</th>
          <th scope="col">Target</th>
          <th scope="col">Outcome</th>
          <th scope="col">Trail</th>
          <th scope="col">Details</th>
        </tr>
      </thead>
      <tbody>
        {props.rows.map((r) => (
          <tr>
            <td>{shortTime(r.at)}</td>
            <td>{r.actor}</td>
            <td>{r.action}</td>
            <td>{r.target ?? ''}</td>
            <td>
              <span class={`badge ${r.outcome === 'success' ? 'ok' : 'bad'}`}>{r.outcome}</span>
            </td>
            <td>{r.source}</td>
            <td>
              <code>{detailsText(r.details)}</code>
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

/** `/audit`: who did what, from both audit trails, filtered and paginated. */
export const auditPage: DashboardPage = {
  name: 'audit',
  nav: { label: 'Audit log', path: '/audit' },
  register(kit) {
    kit.get('/audit', (c) => {
      const db = c.get('ctx').db;
      const query = c.req.query();
      const { filter, errors } = readAuditFilter(query);
      const usable = Object.keys(errors).length === 0;
      const total = usable ? countAudit(db, filter) : 0;
      const pages = Math.max(1, Math.ceil(total / pageSize));
      const page = Math.min(pageNumber(query.page), pages);
      const rows = usable ? listAudit(db, filter, pageSize, (page - 1) * pageSize) : [];
      const href = (p: number) => {
        const q = new URLSearchParams();
        for (const [k, v] of Object.entries(query)) if (k !== 'page' && v) q.set(k, v);
        q.set('page', String(p));
        return `/audit?${q.toString()}`;
      };
      return kit.render(c, {
        title: 'Audit log',
        body: (
          <>
            <AuditFilterForm query={query} errors={errors} actions={auditActions(db)} />
            <AuditTable rows={rows} />
            {rows.length === 0 ? <p>No entries match.</p> : null}
            <Pager page={page} pages={pages} total={total} href={href} />
          </>
        ),
      });
    });
  },
};
