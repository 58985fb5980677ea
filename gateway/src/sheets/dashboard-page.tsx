import { openQbo, type QboConnection, QboError } from '../qbo/index';
import {
  type DashboardPage,
  type PageContext,
  type PageKit,
  pageNumber,
  pageSize,
  slicePage,
} from '../web/page-module';
import { CustomerMap } from './customer-map';
import {
  AddCustomerMapForm,
  CustomerMapTable,
  JobsTable,
  type MappingDraft,
  type MappingErrors,
  RowsTable,
} from './dashboard/views';
import { sheetsFlow } from './service';
import { SheetsStore } from './store';

/**
 * `/sheets` on the dashboard: the sheet syncs (progress, and each row's outcome for a chosen job) and the
 * gateway's customer-mapping table, which an accountant corrects here (every change audited).
 */
const path = '/sheets';
const mapAction = `${path}/customers`;

interface View {
  add?: { draft: MappingDraft; errors: MappingErrors };
  editing?: { client: string; draft: MappingDraft; errors: MappingErrors };
}

function connection(c: PageContext): QboConnection | undefined {
  try {
    return openQbo(c.get('ctx'));
  } catch {
    return undefined;
  }
}

function render(kit: PageKit, c: PageContext, view: View = {}, status = 200) {
  const ctx = c.get('ctx');
  const q = c.req.query();
  const link = (changes: Record<string, string>) => {
    const params = new URLSearchParams(Object.entries(q).filter(([, v]) => v) as [string, string][]);
    for (const [k, v] of Object.entries(changes)) params.set(k, v);
    return `${path}?${params.toString()}`;
  };
  const jobs = slicePage(ctx.jobs.list({ flow: sheetsFlow, limit: 5_000 }), pageNumber(q.page));
  const chosen = q.job ? ctx.jobs.get(q.job.slice(0, 100)) : undefined;
  const job = chosen?.flow === sheetsFlow ? chosen : undefined;
  const rows = job ? slicePage(new SheetsStore(ctx.db).results(job.id), pageNumber(q.rpage)) : undefined;
  const map = new CustomerMap(ctx.db);
  const mapTotal = map.count(null);
  const mapSlice = slicePage(Array.from({ length: mapTotal }), pageNumber(q.mpage));
  const mappings = map.page(null, (mapSlice.page - 1) * pageSize, pageSize);
  const pager = (slice: { page: number; pages: number; total: number }, label: string, param: string) => ({
    page: slice.page,
    pages: slice.pages,
    total: slice.total,
    label,
    href: (p: number) => link({ [param]: String(p) }),
  });
  return kit.render(c, {
    title: 'Sheets',
    status,
    body: (
      <>
        <div class="card">
          <JobsTable
            jobs={jobs.items}
            href={(id) => link({ job: id, rpage: '1' })}
            pager={pager(jobs, 'Pages of syncs', 'page')}
          />
        </div>
        {job && rows ? (
          <div class="card">
            <RowsTable
              title={`Rows of the sync of ${job.scope}`}
              intro={
                <p class="muted">
                  {`${job.done} done, ${job.failed} not done of ${job.total ?? '?'}${job.error ? `; ${job.error}` : ''}`}
                </p>
              }
              rows={rows.items}
              pager={pager(rows, 'Pages of rows', 'rpage')}
            />
          </div>
        ) : q.job ? (
          <section class="card" aria-labelledby="rows-heading">
            <h2 id="rows-heading">Rows</h2>
            <p class="error-text">No sheet sync with that id.</p>
          </section>
        ) : null}
        <div class="card">
          <CustomerMapTable
            c={c}
            kit={kit}
            action={mapAction}
            mappings={mappings}
            editing={view.editing}
            pager={pager(mapSlice, 'Pages of customer mappings', 'mpage')}
            intro={
              <p class="muted">
                Which QuickBooks customer a client name in the sheet (to_client / end_client) is invoiced to.
                A sheet's own qb_customers tab wins over this table; a name in neither is looked up (or
                created) and recorded here.
              </p>
            }
          />
          <h3>Add a mapping</h3>
          <AddCustomerMapForm
            c={c}
            kit={kit}
            action={`${mapAction}/add`}
            draft={view.add?.draft ?? { client: '', customerId: '' }}
            errors={view.add?.errors ?? {}}
          />
        </div>
      </>
    ),
  });
}

/** Checks a posted mapping; errors are per field. */
function readForm(form: Record<string, string>): { draft: MappingDraft; errors: MappingErrors } {
  const draft = { client: (form.client ?? '').trim(), customerId: (form.customerId ?? '').trim() };
  const errors: MappingErrors = {};
  if (draft.client === '') errors.client = 'Enter the client name as the sheet writes it';
  else if (draft.client.length > 200) errors.client = 'At most 200 characters';
  if (!/^\d{1,12}$/.test(draft.customerId)) {
    errors.customerId =
      'A QuickBooks customer Id is a number (the nameId=… at the end of the customer’s address)';
  }
  return { draft, errors };
}

/** The customer's name in QuickBooks, or a field error when QuickBooks says there is no such customer. */
async function checkCustomer(
  qbo: QboConnection | undefined,
  id: string,
): Promise<{ name?: string; error?: string }> {
  if (!qbo) return {};
  try {
    const customer = await qbo.client.read('Customer', id);
    if (customer.Active === false)
      return { error: `Customer ${id} is inactive in QuickBooks; make it active first` };
    return { name: String(customer.DisplayName ?? '') };
  } catch (error) {
    if (error instanceof QboError && (error.hasCode('610') || error.status === 400 || error.status === 404)) {
      return { error: `QuickBooks has no customer with Id ${id}` };
    }
    return {}; // QuickBooks unreachable: keep the accountant's word; the next sync's invoice shows any problem.
  }
}

function audit(
  c: PageContext,
  kit: PageKit,
  action: string,
  client: string,
  details: Record<string, unknown>,
) {
  c.get('ctx').audit.record({
    actor: `user:${kit.user(c)}`,
    action: `dashboard.sheets_customer_map_${action}`,
    target: client,
    outcome: 'success',
    details,
  });
}

export const sheetsDashboardPage: DashboardPage = {
  name: 'sheets',
  nav: { label: 'Sheets', path },
  flow: sheetsFlow,
  register(kit) {
    kit.get(path, (c) => render(kit, c));

    kit.post(`${mapAction}/add`, async (c) => {
      const { draft, errors } = readForm(await kit.form(c));
      const qbo = connection(c);
      if (!qbo && Object.keys(errors).length === 0) errors.client = 'Connect a QuickBooks company first';
      if (Object.keys(errors).length > 0 || !qbo) return render(kit, c, { add: { draft, errors } }, 400);
      const checked = await checkCustomer(qbo, draft.customerId);
      if (checked.error)
        return render(kit, c, { add: { draft, errors: { customerId: checked.error } } }, 400);
      const map = new CustomerMap(c.get('ctx').db);
      const previous = map.get(qbo.realmId, draft.client);
      map.edit(qbo.realmId, draft.client, draft.customerId, kit.user(c), checked.name ?? null);
      audit(c, kit, 'add', draft.client, {
        realm: qbo.realmId,
        customerId: draft.customerId,
        previous: previous?.customerId ?? null,
      });
      return kit.redirect(c, path, {
        kind: 'ok',
        text: `"${draft.client}" now invoices customer ${draft.customerId}`,
      });
    });

    kit.post(mapAction, async (c) => {
      const form = await kit.form(c);
      const { draft, errors } = readForm(form);
      const realm = (form.realm ?? '').slice(0, 40);
      const map = new CustomerMap(c.get('ctx').db);
      const existing = map.get(realm, draft.client);
      if (!existing)
        return kit.redirect(c, path, { kind: 'error', text: `No mapping for "${draft.client}"` });
      const editing = { client: existing.sheetName, draft };
      if (Object.keys(errors).length > 0) return render(kit, c, { editing: { ...editing, errors } }, 400);
      const qbo = connection(c);
      const checked = await checkCustomer(qbo?.realmId === realm ? qbo : undefined, draft.customerId);
      if (checked.error)
        return render(kit, c, { editing: { ...editing, errors: { customerId: checked.error } } }, 400);
      map.edit(realm, existing.sheetName, draft.customerId, kit.user(c), checked.name ?? null);
      audit(c, kit, 'edit', existing.sheetName, {
        realm,
        customerId: draft.customerId,
        previous: existing.customerId,
      });
      return kit.redirect(c, path, { kind: 'ok', text: `Saved the mapping of "${existing.sheetName}"` });
    });

    kit.post(`${mapAction}/delete`, async (c) => {
      const form = await kit.form(c);
      const client = (form.client ?? '').slice(0, 200);
      const realm = (form.realm ?? '').slice(0, 40);
      const map = new CustomerMap(c.get('ctx').db);
      const existing = map.get(realm, client);
      if (!existing || !map.remove(realm, client)) {
        return kit.redirect(c, path, { kind: 'error', text: `No mapping for "${client}"` });
      }
      audit(c, kit, 'delete', existing.sheetName, { realm, customerId: existing.customerId });
      return kit.redirect(c, path, { kind: 'ok', text: `Forgot the mapping of "${existing.sheetName}"` });
    });
  },
};
