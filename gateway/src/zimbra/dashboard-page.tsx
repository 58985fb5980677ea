import fs from 'node:fs';
import { JobAlreadyRunningError } from '../jobs/jobs';
import type { DashboardPage, PageContext, PageKit } from '../web/page-module';
import { qboConnection } from './dashboard/choices';
import { addExclusion, checkExclusion, type ExclusionDraft, removeExclusion } from './dashboard/exclusions';
import { renderZimbra, type ZimbraView } from './dashboard/render';
import { readMonth, runFacts, runWorkbook } from './dashboard/runs';
import { undoMonth } from './invoices';
import { type CosChange, type DomainChange, MappingError, setCosMapping, setDomainMapping } from './mappings';
import { periodKey, previousMonth } from './report/highwater';
import { startMonthlyBilling } from './service';

/**
 * `/zimbra`: the month's billing without a terminal — run a month (report only or draft invoices) and
 * follow it live, the runs by month with their Excel and JSON, the domains and CoS still to map (with
 * suggested customers), exclusions, and undo of a month's unsent drafts. It calls the flow's functions
 * directly; every change is audited with `user:<name>` as the actor.
 */

const path = '/zimbra';

const monthLink = (month: string) => `${path}?month=${encodeURIComponent(month)}`;

async function run(kit: PageKit, c: PageContext) {
  const ctx = c.get('ctx');
  const form = await kit.form(c);
  const period = readMonth(form.month);
  const mode = form.mode ?? '';
  const errors: { month?: string; mode?: string } = {};
  if (!period) errors.month = 'Enter a month as YYYY-MM, e.g. 2026-11';
  if (mode !== 'report' && mode !== 'drafts') errors.mode = 'Pick report only or create drafts';
  if (!period || errors.mode) {
    return renderZimbra(kit, c, { run: { month: form.month ?? '', mode, errors } }, 400);
  }
  const actor = `user:${kit.user(c)}`;
  try {
    const started = startMonthlyBilling(ctx, { period, actor, skipInvoices: mode === 'report' });
    started.result.catch((error: unknown) => ctx.log.error({ err: error }, 'Zimbra run failed'));
    ctx.audit.record({
      actor,
      action: 'dashboard.zimbra.run',
      target: periodKey(period),
      outcome: 'success',
      details: { jobId: started.job.id, mode },
    });
    return kit.redirect(c, monthLink(periodKey(period)), {
      kind: 'ok',
      text: `Started the ${periodKey(period)} run (${mode === 'report' ? 'report only' : 'draft invoices'}, job ${started.job.id})`,
    });
  } catch (error) {
    if (!(error instanceof JobAlreadyRunningError)) throw error;
    return kit.redirect(c, monthLink(periodKey(period)), { kind: 'error', text: error.message });
  }
}

/** Applies a mapping form; a refusal is shown beside the row's field, the page answering 400. */
async function mapping(kit: PageKit, c: PageContext, kind: 'domain' | 'cos') {
  const ctx = c.get('ctx');
  const form = await kit.form(c);
  const month = readMonth(form.month) ? form.month! : periodKey(previousMonth(new Date()));
  const key = (kind === 'domain' ? form.domain : form.name) ?? '';
  const idField = kind === 'domain' ? 'customer_id' : 'item_id';
  const id = (form[idField] ?? '').trim();
  const exclude = form.action === 'exclude';
  const refuse = (field: string, message: string) =>
    renderZimbra(kit, c, { month, [kind]: { key, field, message, value: id } } as ZimbraView, 400);
  const quotaText = (form.quota_gb ?? '').trim();
  if (!exclude && id === '') return refuse(idField, `Pick ${kind === 'domain' ? 'a customer' : 'an item'}`);
  if (!exclude && kind === 'cos' && quotaText !== '' && !/^\d{1,6}$/.test(quotaText))
    return refuse('quota_gb', 'The quota is a whole number of GB, e.g. 50');
  const opened = exclude ? null : qboConnection(ctx);
  if (opened && 'problem' in opened) return refuse(idField, opened.problem);
  const client = opened && 'conn' in opened ? opened.conn.client : null;
  const actor = `user:${kit.user(c)}`;
  try {
    if (kind === 'domain') {
      const change: DomainChange = exclude ? { exclude: true } : { customerId: id };
      const r = await setDomainMapping(ctx, client, key, change, actor);
      return kit.redirect(c, monthLink(month), {
        kind: 'ok',
        text: r.excluded
          ? `Excluded ${r.domain}`
          : `Mapped ${r.domain} to ${r.customerName} (${r.customerId})`,
      });
    }
    const change: CosChange = exclude
      ? { exclude: true }
      : { itemId: id, quotaGb: quotaText === '' ? undefined : Number(quotaText) };
    const r = await setCosMapping(ctx, client, key, change, actor);
    return kit.redirect(c, monthLink(month), {
      kind: 'ok',
      text: r.excluded ? `Excluded CoS ${r.name}` : `Mapped CoS ${r.name} to ${r.itemName} (${r.quotaGb} GB)`,
    });
  } catch (error) {
    if (!(error instanceof MappingError)) throw error;
    const field = kind === 'cos' && /quota/i.test(error.message) ? 'quota_gb' : idField;
    return refuse(field, error.message);
  }
}

async function addExclusionForm(kit: PageKit, c: PageContext) {
  const form = await kit.form(c);
  const month = readMonth(form.month) ? form.month! : periodKey(previousMonth(new Date()));
  const draft: ExclusionDraft = {
    kind: form.kind ?? '',
    pattern: (form.pattern ?? '').trim(),
    reason: (form.reason ?? '').trim(),
  };
  const errors = checkExclusion(draft);
  if (Object.keys(errors).length > 0)
    return renderZimbra(kit, c, { month, exclusion: { draft, errors } }, 400);
  const pattern = addExclusion(c.get('ctx'), draft, `user:${kit.user(c)}`);
  return kit.redirect(c, monthLink(month), {
    kind: 'ok',
    text: `Excluding ${draft.kind} pattern ${pattern}`,
  });
}

async function removeExclusionForm(kit: PageKit, c: PageContext) {
  const form = await kit.form(c);
  const month = readMonth(form.month) ? form.month! : periodKey(previousMonth(new Date()));
  const id = Number(form.id);
  const removed = Number.isSafeInteger(id) && removeExclusion(c.get('ctx'), id, `user:${kit.user(c)}`);
  return kit.redirect(c, monthLink(month), {
    kind: removed ? 'ok' : 'error',
    text: removed
      ? 'Exclusion removed; the next run bills what it matched'
      : 'That exclusion is already gone',
  });
}

async function undo(kit: PageKit, c: PageContext) {
  const ctx = c.get('ctx');
  const form = await kit.form(c);
  const period = readMonth(form.month);
  if (!period) {
    return renderZimbra(
      kit,
      c,
      { undo: { month: form.month ?? '', error: 'Enter a month as YYYY-MM' } },
      400,
    );
  }
  const opened = qboConnection(ctx);
  if ('problem' in opened) {
    return renderZimbra(kit, c, { undo: { month: form.month!, error: opened.problem } }, 400);
  }
  const results = await undoMonth(ctx, opened.conn, period, { actor: `user:${kit.user(c)}` });
  const deleted = results.filter((r) => r.outcome === 'deleted').length;
  const kept = results.filter((r) => r.outcome !== 'deleted');
  const text =
    results.length === 0
      ? `qb-bridge created no invoices for ${periodKey(period)}`
      : `Deleted ${deleted} draft invoice(s) of ${periodKey(period)}${kept.length ? `; kept ${kept.map((k) => `${k.docNumber} (${k.reason ?? k.outcome})`).join(', ')}` : ''}`;
  return kit.redirect(c, monthLink(periodKey(period)), { kind: kept.length ? 'error' : 'ok', text });
}

function download(c: PageContext, kind: 'xlsx' | 'json') {
  const job = c.get('ctx').jobs.get(c.req.param('id') ?? '');
  if (job?.flow !== 'zimbra') return c.text('No such Zimbra run', 404);
  const month = runFacts(job).period;
  if (kind === 'json') {
    if (!job.summary) return c.text('This run has no summary yet', 404);
    return c.body(`${JSON.stringify(job.summary, null, 2)}\n`, 200, {
      'Content-Type': 'application/json; charset=utf-8',
      'Content-Disposition': `attachment; filename="zimbra_billing_${month}.json"`,
    });
  }
  const file = runWorkbook(job);
  if (!file) return c.text('This run wrote no Excel report, or it was removed', 404);
  return c.body(fs.readFileSync(file), 200, {
    'Content-Type': 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
    'Content-Disposition': `attachment; filename="billing_report_${month}.xlsx"`,
  });
}

export const zimbraDashboardPage: DashboardPage = {
  name: 'zimbra',
  nav: { label: 'Zimbra', path },
  flow: 'zimbra',
  // The demo and small installs read reports from a local folder: configured when that folder exists.
  configured: (ctx) => !ctx.config.ZIMBRA_HOST && fs.existsSync(ctx.config.ZIMBRA_REPORT_PATH),
  register(kit) {
    kit.get(path, (c) => renderZimbra(kit, c, {}));
    kit.get(`${path}/runs/:id/report.xlsx`, (c) => download(c, 'xlsx'));
    kit.get(`${path}/runs/:id/summary.json`, (c) => download(c, 'json'));
    kit.post(`${path}/run`, (c) => run(kit, c));
    kit.post(`${path}/domains`, (c) => mapping(kit, c, 'domain'));
    kit.post(`${path}/cos`, (c) => mapping(kit, c, 'cos'));
    kit.post(`${path}/exclusions`, (c) => addExclusionForm(kit, c));
    kit.post(`${path}/exclusions/remove`, (c) => removeExclusionForm(kit, c));
    kit.post(`${path}/undo`, (c) => undo(kit, c));
  },
};
