import type { SheetRowInput, SheetsRequest } from '../../../../shared/src/sheets/contract';
import type { RowGroup } from '../../../../shared/src/sheets/group';
import type { AppContext } from '../../app/context';
import type { Job } from '../../jobs/jobs';
import {
  type CreateInput,
  type CreateOutcome,
  createMany,
  type LedgerRow,
  type QboConnection,
  qboWebLink,
} from '../../qbo/index';
import { billFor } from '../map-row';
import { type GroupOutcome, groupResult, planRows, type SheetSettings } from '../plan';
import { SheetsStore } from '../store';
import { auditOf, changedSinceSynced, resultWriter, type Settle } from '../write-groups';
import {
  billNotOursSentence,
  missingPaymentAccount,
  paidDateOf,
  paidDateRemovedSentence,
  paymentFor,
  paymentKeyOf,
  paymentOutcome,
} from './bill-payments';

/**
 * The payment-only pass: rows whose bill synced earlier (`qb_bill_id`) and that now carry a paid date, or
 * whose paid date was cleared after the payment was recorded. Nothing here creates a bill, a vendor or any
 * party: the bill is the one the ledger holds under `sheets:<spreadsheet>:<anchor qb_row_id>` (it must be
 * `created` with the row's `qb_bill_id`), and the only write is its BillPayment under that key + `:payment`,
 * through the same exactly-once batch writer. A cleared paid date changes nothing in QuickBooks: the row
 * says that the payment stays.
 */

interface Due {
  group: RowGroup;
  bill: LedgerRow;
  url: string;
  changed: string | undefined;
}

const text = (v: unknown) => String(v ?? '').trim();

/** Sheets rows of a synced bill keep `synced`; the sentence goes to qb_error and qb_bill_error. */
const notice = (error: string, billStatus?: GroupOutcome['billStatus']): GroupOutcome => ({
  status: 'synced',
  error,
  ...(billStatus ? { billStatus } : {}),
});

export async function paySyncedBills(
  ctx: AppContext,
  qbo: QboConnection,
  job: Job,
  request: SheetsRequest,
  settings: SheetSettings,
  today: string,
  settle: Settle,
): Promise<void> {
  // The bill exists whatever the sync mode says now: paying it creates no bill.
  const plan = planRows(request.rows, { ...settings, mode: 'dual' }, today);
  // A row that no longer reads cleanly keeps its synced state; the sentence says why it was not paid.
  settle(
    plan.settled.map(({ billStatus: _unchanged, ...r }) => ({
      ...r,
      status: 'synced' as const,
      error: `Not marked paid: ${r.error ?? ''}`,
      billError: `Not marked paid: ${r.error ?? ''}`,
    })),
  );
  const byId = new Map<string, SheetRowInput>(request.rows.map((r) => [r.rowId, r]));
  const results = (g: RowGroup, outcome: GroupOutcome, notes: string[] = []) =>
    g.rows.map((r) =>
      groupResult(g, r.rowId, r.sheetRow, outcome, [...(plan.warnings.get(r.rowId) ?? []), ...notes]),
    );
  const due: Due[] = [];
  for (const g of plan.groups) {
    const verdict = billOf(ctx, qbo, request, g, byId);
    if ('outcome' in verdict) settle(results(g, verdict.outcome));
    else due.push(verdict);
  }
  if (due.length === 0) return;
  const store = new SheetsStore(ctx.db);
  const writer = resultWriter(ctx, store, settle);
  const byKey = new Map<string, Due>();
  const payments: CreateInput[] = [];
  for (const d of due) {
    const date = paidDateOf(d.group).date!;
    const payment = paymentFor(d.bill, d.group, date, ctx.config.QBO_BILL_PAYMENT_ACCOUNT_ID!);
    byKey.set(payment.key, d);
    payments.push(payment);
  }
  const onPaid = (o: CreateOutcome) => {
    const d = byKey.get(o.key);
    if (!d) return;
    const payment = qbo.ledger.get(o.ledgerId);
    const bill = { docNumber: d.group.docNumber, billId: d.bill.qboId!, url: d.url, changed: d.changed };
    const { outcome, notes } = paymentOutcome(o, bill, payment, false);
    writer.add(results(d.group, outcome, notes), auditOf(job, request, d, 'BillPayment', payment, o));
  };
  try {
    const retryRejected = request.options?.retryRejected;
    await createMany(qbo.client, qbo.ledger, payments, { onSettled: onPaid, retryRejected });
  } finally {
    writer.flush();
  }
}

/** The group's bill as the ledger holds it and its payment due, or the sentence saying why none is sent. */
function billOf(
  ctx: AppContext,
  qbo: QboConnection,
  request: SheetsRequest,
  g: RowGroup,
  byId: ReadonlyMap<string, SheetRowInput>,
): Due | { outcome: GroupOutcome } {
  const values = g.rows.map((r) => byId.get(r.rowId)!.values);
  const billIds = new Set(values.map((v) => text(v.qb_bill_id)));
  const billId = [...billIds][0] ?? '';
  const key = `sheets:${request.spreadsheetId}:${g.anchorRowId}`;
  const bill = qbo.ledger.find(qbo.realmId, key, 'Bill');
  if (
    g.direction !== 'money_out' ||
    billIds.size !== 1 ||
    bill?.state !== 'created' ||
    bill.qboId !== billId
  ) {
    return { outcome: notice(billNotOursSentence(g.docNumber, [...billIds].join(', '))) };
  }
  const paid = paidDateOf(g);
  if (values.some((v) => text(v.qb_bill_status).toLowerCase() === 'paid')) {
    if (paid.date) return { outcome: notice('', 'paid') };
    const payment = qbo.ledger.find(qbo.realmId, paymentKeyOf(key), 'BillPayment');
    const id = payment?.state === 'created' ? (payment.qboId ?? undefined) : undefined;
    return { outcome: notice(paidDateRemovedSentence(g.docNumber, id), 'paid') };
  }
  if (paid.warning) return { outcome: notice(paid.warning) };
  if (!paid.date) return { outcome: notice('') };
  if (!ctx.config.QBO_BILL_PAYMENT_ACCOUNT_ID) return { outcome: notice(missingPaymentAccount) };
  const vendorId = String((bill.payload.VendorRef as { value?: unknown } | undefined)?.value ?? '');
  const mapped = billFor(g, vendorId, ctx.config.QBO_DEFAULT_EXPENSE_ACCOUNT_ID ?? '');
  return {
    group: g,
    bill,
    url: qboWebLink(qbo.client.endpoints, 'Bill', billId),
    changed: changedSinceSynced(bill, mapped, g.docNumber),
  };
}
