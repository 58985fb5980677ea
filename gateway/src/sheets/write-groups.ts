import type { RowResult, SheetsRequest } from '../../../shared/src/sheets/contract';
import type { RowGroup } from '../../../shared/src/sheets/group';
import type { AppContext } from '../app/context';
import type { Job } from '../jobs/jobs';
import {
  type CreateInput,
  type CreateOutcome,
  createMany,
  type LedgerRow,
  payloadHash,
  type QboConnection,
  qboWebLink,
} from '../qbo/index';
import { CustomerMap } from './customer-map';
import { billFor, invoiceFor, type MappedObject } from './map-row';
import { type Party, resolveParties } from './parties';
import { missingPaymentAccount, paidDateOf, paymentFor, paymentOutcome } from './payments/bill-payments';
import { groupResult, type Plan } from './plan';
import { type SheetsAuditEntry, SheetsStore } from './store';

/**
 * Writing a job's groups: parties first, then every invoice/bill through the exactly-once batch writer under
 * `sheets:<spreadsheet>:<smallest qb_row_id of the invoice>`, then (QBO_AUTO_MARK_BILL_PAID) the payments
 * of bills whose rows carry a paid date. A bill that gets paid reports its rows once, after its payment.
 */

interface Entry {
  group: RowGroup;
  mapped: MappedObject;
  changed: string | undefined;
  /** Sentences for the row's note beyond normalizing warnings (e.g. why a paid bill was not marked paid). */
  notes: string[];
  /** The customer came from the gateway's customer-mapping table. */
  customerFromTable: boolean;
  paidDate: string | undefined;
}

export type Settle = (results: RowResult[]) => void;

/**
 * A batch settles up to 30 rows in one tick: their results, audit rows and progress are stored in one
 * commit (a commit per row is a disk flush each, which made 2,000 rows wait on the disk, not QuickBooks).
 */
export function resultWriter(ctx: AppContext, store: SheetsStore, settle: Settle) {
  let results: RowResult[] = [];
  let audits: SheetsAuditEntry[] = [];
  let scheduled = false;
  const flush = () => {
    scheduled = false;
    if (results.length === 0 && audits.length === 0) return;
    const [r, a] = [results, audits];
    results = [];
    audits = [];
    ctx.db.transaction(() => {
      settle(r);
      for (const entry of a) store.audit(entry);
    })();
  };
  const later = () => {
    if (scheduled) return;
    scheduled = true;
    setImmediate(flush);
  };
  return {
    flush,
    add(rows: RowResult[], audit: SheetsAuditEntry) {
      results.push(...rows);
      audits.push(audit);
      later();
    },
  };
}

function planEntries(
  ctx: AppContext,
  qbo: QboConnection,
  request: SheetsRequest,
  plan: Plan,
  parties: Map<RowGroup, Party>,
  settle: Settle,
): { inputs: CreateInput[]; byKey: Map<string, Entry> } {
  const inputs: CreateInput[] = [];
  const byKey = new Map<string, Entry>();
  const itemId = ctx.config.QBO_DEFAULT_ITEM_ID!;
  const accountId = ctx.config.QBO_DEFAULT_EXPENSE_ACCOUNT_ID ?? '';
  const autoPay = ctx.config.QBO_AUTO_MARK_BILL_PAID;
  for (const g of plan.groups) {
    const party = parties.get(g)!;
    if ('error' in party) {
      settle(
        g.rows.map((r) =>
          groupResult(
            g,
            r.rowId,
            r.sheetRow,
            { status: 'failed', error: party.error },
            plan.warnings.get(r.rowId) ?? [],
          ),
        ),
      );
      continue;
    }
    const mapped =
      g.direction === 'money_out' ? billFor(g, party.id, accountId) : invoiceFor(g, party.id, itemId);
    const key = `sheets:${request.spreadsheetId}:${g.anchorRowId}`;
    const existing = qbo.ledger.find(qbo.realmId, key, mapped.entity);
    const changed = changedSinceSynced(existing, mapped, g.docNumber);
    const notes: string[] = [];
    let paidDate: string | undefined;
    if (autoPay && g.direction === 'money_out') {
      const paid = paidDateOf(g);
      if (paid.warning) notes.push(paid.warning);
      else if (paid.date && !ctx.config.QBO_BILL_PAYMENT_ACCOUNT_ID) notes.push(missingPaymentAccount);
      else paidDate = paid.date;
    }
    byKey.set(key, {
      group: g,
      mapped,
      changed,
      notes,
      paidDate,
      customerFromTable: party.mapped === true,
    });
    inputs.push({ key, entity: mapped.entity, payload: mapped.payload, lookup: { docNumber: g.docNumber } });
  }
  return { inputs, byKey };
}

/** The "changed after synced" rule: the row maps to another payload than the one QuickBooks holds. */
export function changedSinceSynced(
  existing: LedgerRow | undefined,
  mapped: MappedObject,
  docNumber: string,
): string | undefined {
  if (existing?.state !== 'created' || existing.payloadHash === payloadHash(mapped.payload)) return undefined;
  return `Changed after it was synced: QuickBooks still has the old version of ${mapped.entity.toLowerCase()} ${docNumber} (Id ${existing.qboId}); edit it there — qb-bridge never creates it a second time`;
}

/** A refused reference to a customer the mapping table chose: the fix is there, not in the sheet. */
function refusalHint(entry: Entry, code: string): string {
  if (!entry.customerFromTable || (code !== '2500' && code !== '610')) return '';
  return ` (the customer for "${entry.group.party}" comes from the gateway's customer mapping; correct it on the dashboard's Sheets page)`;
}

export function auditOf(
  job: Job,
  request: SheetsRequest,
  entry: Pick<Entry, 'group' | 'changed'>,
  entity: string,
  ledgerRow: LedgerRow,
  o: CreateOutcome,
): SheetsAuditEntry {
  return {
    jobId: job.id,
    spreadsheetId: request.spreadsheetId,
    sheetName: request.sheetName,
    rowIds: entry.group.rows.map((r) => r.rowId),
    entity,
    ledgerKey: o.key,
    docNumber: entry.group.docNumber,
    payloadHash: ledgerRow.payloadHash,
    qboId: o.state === 'created' ? o.qboId : null,
    requestId: ledgerRow.requestId,
    outcome:
      o.state === 'created'
        ? o.adopted
          ? 'adopted'
          : entity !== 'BillPayment' && entry.changed
            ? 'created_earlier'
            : 'created'
        : o.state,
    message: o.state === 'created' ? (entity === 'BillPayment' ? null : (entry.changed ?? null)) : o.message,
  };
}

export async function writeGroups(
  ctx: AppContext,
  qbo: QboConnection,
  job: Job,
  request: SheetsRequest,
  plan: Plan,
  settle: Settle,
): Promise<void> {
  const store = new SheetsStore(ctx.db);
  const parties = await resolveParties(qbo, new CustomerMap(ctx.db), plan.groups, request.customers);
  const { inputs, byKey } = planEntries(ctx, qbo, request, plan, parties, settle);
  const writer = resultWriter(ctx, store, settle);
  const rowsOf = (entry: Entry, outcome: Parameters<typeof groupResult>[3], extra: string[] = []) =>
    entry.group.rows.map((r) =>
      groupResult(entry.group, r.rowId, r.sheetRow, outcome, [
        ...(plan.warnings.get(r.rowId) ?? []),
        ...entry.mapped.warnings,
        ...entry.notes,
        ...extra,
      ]),
    );
  const payments: CreateInput[] = [];
  const paying = new Map<string, { entry: Entry; billId: string; url: string }>();
  const onSettled = (o: CreateOutcome) => {
    const entry = byKey.get(o.key);
    if (!entry) return;
    const { group, mapped, changed } = entry;
    const ledgerRow = qbo.ledger.get(o.ledgerId);
    const audit = auditOf(job, request, entry, mapped.entity, ledgerRow, o);
    const syncedAt = new Date().toISOString();
    if (o.state === 'created' && entry.paidDate) {
      // Its rows are reported once the payment settles, so they never show "synced" before "paid".
      const payment = paymentFor(ledgerRow, group, entry.paidDate, ctx.config.QBO_BILL_PAYMENT_ACCOUNT_ID!);
      payments.push(payment);
      paying.set(payment.key, {
        entry,
        billId: o.qboId,
        url: qboWebLink(qbo.client.endpoints, mapped.entity, o.qboId),
      });
      writer.add([], audit);
      return;
    }
    const outcome =
      o.state === 'created'
        ? {
            status: 'synced' as const,
            qboId: o.qboId,
            url: qboWebLink(qbo.client.endpoints, mapped.entity, o.qboId),
            syncedAt,
            ...(changed ? { error: changed } : {}),
          }
        : o.state === 'rejected'
          ? {
              status: 'failed' as const,
              error: `QuickBooks refused ${mapped.entity.toLowerCase()} ${group.docNumber}: ${o.message}${refusalHint(entry, o.code)}`,
              syncedAt,
            }
          : { status: 'pending' as const, error: o.message };
    writer.add(rowsOf(entry, outcome), audit);
  };
  const onPaid = (o: CreateOutcome) => {
    const paid = paying.get(o.key);
    if (!paid) return;
    const { entry, billId, url } = paid;
    const payment = qbo.ledger.get(o.ledgerId);
    const audit = auditOf(job, request, entry, 'BillPayment', payment, o);
    const bill = { docNumber: entry.group.docNumber, billId, url, changed: entry.changed };
    const { outcome, notes } = paymentOutcome(o, bill, payment, true);
    writer.add(rowsOf(entry, outcome, notes), audit);
  };
  try {
    const retryRejected = request.options?.retryRejected;
    if (inputs.length > 0) await createMany(qbo.client, qbo.ledger, inputs, { onSettled, retryRejected });
    if (payments.length > 0) {
      await createMany(qbo.client, qbo.ledger, payments, { onSettled: onPaid, retryRejected });
    }
  } finally {
    writer.flush();
  }
}
