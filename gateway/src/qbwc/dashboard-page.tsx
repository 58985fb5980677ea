import {
  type DashboardPage,
  type PageContext,
  type PageKit,
  Pager,
  pageNumber,
  pageSize,
  slicePage,
} from '../web/page-module';
import { recordQbrAudit } from './audit/audit';
import {
  AddMappingForm,
  isMetricKey,
  type MappingDraft,
  type MappingErrors,
  MappingsTable,
} from './dashboard/mapping-editor';
import { countQbwcSessions, qbwcLockouts, qbwcSessionsPage } from './dashboard/queries';
import {
  accountKinds,
  LockoutsTable,
  MetricsCharts,
  SessionsTable,
  TestAccountForm,
  type UnmappedAccount,
  UnmappedTable,
} from './dashboard/views';
import { HistoryStore } from './metrics/history-store';
import {
  DuplicateMappingError,
  MappingStore,
  MappingValidationError,
  type StoredMapping,
} from './metrics/mapping-store';
import { createResolver, type MappingInput, matchTypes, specificPriorityDefault } from './metrics/mappings';
import { addMonths, periodOf } from './metrics/plan';
import type { AccountKind } from './metrics/pnl';
import { NothingToReprocessError, reprocess } from './metrics/reprocess';
import { defaultLockoutPolicy, resolveCredentials, unlockLogins } from './sessions/credentials';

const path = '/web-connector';

interface View {
  add?: { draft: MappingDraft; errors: MappingErrors };
  editing?: { id: number; draft: MappingDraft; errors: MappingErrors };
}

function parseCents(amount: unknown): number {
  const m = /^(-)?(\d+)(?:\.(\d{1,2}))?$/.exec(String(amount ?? ''));
  if (!m) return 0;
  const cents = Number(m[2]) * 100 + Number((m[3] ?? '').padEnd(2, '0'));
  return m[1] ? -cents : cents;
}

/** Unmapped accounts of each month's newest P&L, by account name. */
export function unmappedAccounts(history: HistoryStore): UnmappedAccount[] {
  const byName = new Map<string, UnmappedAccount>();
  for (const row of history.latestProfitLoss()) {
    const list = Array.isArray(row.parsedData.unmapped) ? row.parsedData.unmapped : [];
    for (const item of list as Array<{ account?: unknown; kind?: unknown; amount?: unknown }>) {
      if (typeof item.account !== 'string') continue;
      const entry = byName.get(item.account) ?? {
        account: item.account,
        kind: String(item.kind ?? ''),
        periods: [],
        totalCents: 0,
      };
      entry.periods.push(row.period);
      entry.totalCents += parseCents(item.amount);
      byName.set(item.account, entry);
    }
  }
  return [...byName.values()].sort((a, b) => a.account.localeCompare(b.account));
}

function emptyDraft(pattern = ''): MappingDraft {
  return {
    qbr_metric_key: 'other_expenses',
    qb_account_pattern: pattern,
    match_type: pattern ? 'exact' : 'contains',
    priority: String(specificPriorityDefault),
    is_active: true,
    notes: '',
  };
}

/** Checks a posted mapping form; errors are per field, shown beside the field. */
export function readMappingForm(form: Record<string, string>): {
  draft: MappingDraft;
  input?: MappingInput;
  errors: MappingErrors;
} {
  const draft: MappingDraft = {
    qbr_metric_key: form.qbr_metric_key ?? '',
    qb_account_pattern: (form.qb_account_pattern ?? '').trim(),
    match_type: form.match_type ?? '',
    priority: (form.priority ?? '').trim(),
    is_active: form.is_active === 'on' || form.is_active === 'true',
    notes: (form.notes ?? '').trim(),
  };
  const errors: MappingErrors = {};
  if (!isMetricKey(draft.qbr_metric_key)) errors.qbr_metric_key = 'Pick a metric from the list';
  if (!(matchTypes as readonly string[]).includes(draft.match_type))
    errors.match_type = 'Pick contains, exact or regex';
  if (!draft.qb_account_pattern) errors.qb_account_pattern = 'Enter a pattern, e.g. %Payroll%';
  if (!/^\d{1,5}$/.test(draft.priority)) errors.priority = 'A whole number from 0 to 10000 (higher wins)';
  if (draft.notes.length > 500) errors.notes = 'At most 500 characters';
  if (Object.keys(errors).length > 0) return { draft, errors };
  return {
    draft,
    errors,
    input: {
      metricKey: draft.qbr_metric_key as MappingInput['metricKey'],
      pattern: draft.qb_account_pattern,
      matchType: draft.match_type as MappingInput['matchType'],
      priority: Number(draft.priority),
      isActive: draft.is_active,
      notes: draft.notes || null,
    },
  };
}

function storeErrors(error: unknown): MappingErrors | undefined {
  if (error instanceof MappingValidationError) {
    const field = (['qbr_metric_key', 'qb_account_pattern', 'match_type', 'priority', 'notes'] as const).find(
      (f) => f === error.field,
    );
    return { [field ?? 'qb_account_pattern']: error.message };
  }
  if (error instanceof DuplicateMappingError) return { qb_account_pattern: error.message };
  return undefined;
}

function audit(
  c: PageContext,
  kit: PageKit,
  action: string,
  resource: string,
  details: Record<string, unknown> = {},
) {
  const ctx = c.get('ctx');
  const actor = `user:${kit.user(c)}`;
  ctx.audit.record({ actor, action: `dashboard.${action}`, target: resource, outcome: 'success', details });
  recordQbrAudit(ctx.db, {
    actor,
    action,
    outcome: 'success',
    resource,
    details,
    userAgent: c.req.header('user-agent'),
  });
}

function SetupSection(props: {
  c: PageContext;
  kit: PageKit;
  credentials: ReturnType<typeof resolveCredentials>;
}) {
  const { c, kit, credentials } = props;
  return (
    <section class="card" aria-labelledby="setup-heading">
      <h2 id="setup-heading">Setup</h2>
      <p>
        {credentials.source === 'none'
          ? 'No Web Connector password is set: run `qb-bridge qbwc set-password`.'
          : `The Web Connector logs in as "${credentials.username}".`}
      </p>
      <div class="actions">
        <a class="button" href="/api/qbwc/app.qwc" download="qb-bridge.qwc">
          Download the QWC file
        </a>{' '}
        <form
          class="inline"
          method="post"
          action={`${path}/reprocess`}
          data-confirm="Recompute every stored month with the current mappings?"
        >
          {kit.csrfField(c)}
          <button type="submit" class="secondary">
            Recompute all months
          </button>
        </form>
      </div>
    </section>
  );
}

function MappingsSection(props: {
  c: PageContext;
  kit: PageKit;
  mappings: ReturnType<typeof slicePage<StoredMapping>>;
  view: View;
  draftPattern: string | undefined;
  href: (page: number) => string;
}) {
  const { c, kit, mappings, view } = props;
  return (
    <section class="card" aria-labelledby="mappings-heading">
      <h2 id="mappings-heading">Account mappings</h2>
      <p class="muted">
        Exact mappings win first, then higher priority; ties go to the older mapping. After a change,
        recompute the months it affects.
      </p>
      <MappingsTable c={c} kit={kit} mappings={mappings.items} editing={view.editing} />
      <Pager page={mappings.page} pages={mappings.pages} total={mappings.total} href={props.href} />
      <h3>Add a mapping</h3>
      <AddMappingForm
        c={c}
        kit={kit}
        draft={view.add?.draft ?? emptyDraft(props.draftPattern)}
        errors={view.add?.errors ?? {}}
      />
    </section>
  );
}

function render(kit: PageKit, c: PageContext, view: View = {}, status = 200) {
  const ctx = c.get('ctx');
  const q = c.req.query();
  const history = new HistoryStore(ctx.db);
  const mappings = new MappingStore(ctx.db).list();
  const sessionTotal = countQbwcSessions(ctx.db);
  const sessionPages = Math.max(1, Math.ceil(sessionTotal / pageSize));
  const sessionPage = Math.min(pageNumber(q.spage), sessionPages);
  const mappingSlice = slicePage(mappings, pageNumber(q.mpage));
  const account = (q.account ?? '').slice(0, 500);
  const kind = (accountKinds as readonly string[]).includes(q.kind ?? '')
    ? (q.kind as AccountKind)
    : 'expense';
  const result = account
    ? createResolver(mappings.filter((m) => m.isActive)).resolve(account, kind)
    : undefined;
  const to = periodOf(new Date());
  const metrics = history.metrics(addMonths(to, -23), to);
  const credentials = resolveCredentials(ctx.db, ctx.config);
  const link = (key: string, value: number) => {
    const params = new URLSearchParams(
      Object.entries(q).filter(([k, v]) => k !== key && v) as [string, string][],
    );
    params.set(key, String(value));
    return `${path}?${params.toString()}`;
  };
  return kit.render(c, {
    title: 'Web Connector',
    status,
    scripts: ['/assets/uplot.js'],
    styles: ['/assets/uplot.css'],
    body: (
      <>
        <SetupSection c={c} kit={kit} credentials={credentials} />
        <section class="card" aria-labelledby="charts-heading">
          <h2 id="charts-heading">QBR metrics by month</h2>
          <MetricsCharts rows={metrics} />
        </section>
        <section class="card" aria-labelledby="lockouts-heading">
          <h2 id="lockouts-heading">Login lockouts</h2>
          <LockoutsTable c={c} kit={kit} lockouts={qbwcLockouts(ctx.db)} />
        </section>
        <section class="card" aria-labelledby="sessions-heading">
          <h2 id="sessions-heading">Sessions</h2>
          <SessionsTable rows={qbwcSessionsPage(ctx.db, pageSize, (sessionPage - 1) * pageSize)} />
          <Pager
            page={sessionPage}
            pages={sessionPages}
            total={sessionTotal}
            href={(p) => link('spage', p)}
          />
        </section>
        <section class="card" aria-labelledby="test-account">
          <h2 id="test-account">Test an account name</h2>
          <TestAccountForm account={account} kind={kind} result={result} mappings={mappings} />
        </section>
        <section class="card" aria-labelledby="unmapped-heading">
          <h2 id="unmapped-heading">Unmapped accounts</h2>
          <UnmappedTable rows={unmappedAccounts(history)} />
        </section>
        <MappingsSection
          c={c}
          kit={kit}
          mappings={mappingSlice}
          view={view}
          draftPattern={q.pattern?.slice(0, 255)}
          href={(p) => link('mpage', p)}
        />
      </>
    ),
  });
}

/** `/web-connector`: sessions, lockouts, mappings, unmapped accounts, the QWC file and the QBR charts. */
export const webConnectorPage: DashboardPage = {
  name: 'web-connector',
  nav: { label: 'Web Connector', path },
  flow: 'qbwc',
  configured: (ctx) => resolveCredentials(ctx.db, ctx.config).source !== 'none',
  register(kit) {
    kit.get(path, (c) => render(kit, c));

    kit.post(`${path}/unlock`, async (c) => {
      const db = c.get('ctx').db;
      const username = ((await kit.form(c)).username ?? '').slice(0, 200);
      if (!qbwcLockouts(db).some((l) => l.username === username)) {
        return kit.redirect(c, path, { kind: 'error', text: `"${username}" is not locked out` });
      }
      // The same as `qb-bridge qbwc unlock --username`: the name's failed attempts are forgotten; the audit
      // rows say who unlocked whom.
      unlockLogins(db, new Date(), defaultLockoutPolicy, username);
      audit(c, kit, 'qbwc_unlock', username);
      return kit.redirect(c, path, { kind: 'ok', text: `Unlocked Web Connector user "${username}"` });
    });

    kit.post(`${path}/mappings`, async (c) => {
      const { draft, input, errors } = readMappingForm(await kit.form(c));
      if (!input) return render(kit, c, { add: { draft, errors } }, 400);
      try {
        const created = new MappingStore(c.get('ctx').db).create(input);
        audit(c, kit, 'qbwc_mapping_create', String(created.id), {
          metric_key: created.metricKey,
          pattern: created.pattern,
        });
        return kit.redirect(c, path, {
          kind: 'ok',
          text: `Mapping ${created.id} added; recompute the months it affects`,
        });
      } catch (error) {
        const fieldErrors = storeErrors(error);
        if (!fieldErrors) throw error;
        return render(kit, c, { add: { draft, errors: fieldErrors } }, 400);
      }
    });

    kit.post(`${path}/mappings/:id{[0-9]{1,12}}`, async (c) => {
      const id = Number(c.req.param('id'));
      const store = new MappingStore(c.get('ctx').db);
      if (!store.get(id)) return kit.redirect(c, path, { kind: 'error', text: `No mapping ${id}` });
      const { draft, input, errors } = readMappingForm(await kit.form(c));
      if (!input) return render(kit, c, { editing: { id, draft, errors } }, 400);
      try {
        store.update(id, input);
      } catch (error) {
        const fieldErrors = storeErrors(error);
        if (!fieldErrors) throw error;
        return render(kit, c, { editing: { id, draft, errors: fieldErrors } }, 400);
      }
      audit(c, kit, 'qbwc_mapping_update', String(id), {
        metric_key: input.metricKey,
        pattern: input.pattern,
      });
      return kit.redirect(c, path, {
        kind: 'ok',
        text: `Mapping ${id} saved; recompute the months it affects`,
      });
    });

    kit.post(`${path}/mappings/:id{[0-9]{1,12}}/delete`, (c) => {
      const id = Number(c.req.param('id'));
      const store = new MappingStore(c.get('ctx').db);
      const existing = store.get(id);
      if (!existing || !store.delete(id))
        return kit.redirect(c, path, { kind: 'error', text: `No mapping ${id}` });
      audit(c, kit, 'qbwc_mapping_delete', String(id), {
        metric_key: existing.metricKey,
        pattern: existing.pattern,
      });
      return kit.redirect(c, path, { kind: 'ok', text: `Mapping ${id} deleted` });
    });

    kit.post(`${path}/reprocess`, (c) => {
      try {
        const summary = reprocess(c.get('ctx'), { all: true });
        audit(c, kit, 'qbwc_reprocess', summary.scope, {
          reprocessed: summary.reprocessed,
          failed: summary.failed,
        });
        return kit.redirect(c, path, {
          kind: summary.failed === 0 ? 'ok' : 'error',
          text: `${summary.reprocessed} month(s) recomputed${summary.failed ? `, ${summary.failed} failed` : ''}`,
        });
      } catch (error) {
        if (error instanceof NothingToReprocessError)
          return kit.redirect(c, path, { kind: 'error', text: error.message });
        throw error;
      }
    });
  },
};
