import { groupNote, type RowGroup } from '../../../shared/src/sheets/group';
import { buildExpenseLine, buildSalesLine } from '../qbo/index';

/**
 * A group of sheet rows as the QuickBooks object it becomes (seed 001 data-mapping table): `invoice` →
 * DocNumber; client → CustomerRef (vendor → VendorRef for a bill); one line per row (`job_name: task_descr`,
 * `inv_dollars`, `job_start` as service date); `submitted_date` → TxnDate; `inv_link`, notes, thread,
 * inv_from, broker chain and the owed2* figures → PrivateNote (internal, never shown to the client).
 * DueDate is NOT taken from the paid date (seed defect 6): QuickBooks computes it from the terms.
 */
export interface MappedObject {
  entity: 'Invoice' | 'Bill';
  payload: Record<string, unknown>;
  warnings: string[];
}

export function invoiceFor(group: RowGroup, customerId: string, itemId: string): MappedObject {
  const { note, truncated } = groupNote(group);
  return {
    entity: 'Invoice',
    payload: {
      DocNumber: group.docNumber,
      CustomerRef: { value: customerId },
      TxnDate: group.txnDate,
      Line: group.rows.map((r) =>
        buildSalesLine({
          itemId,
          description: r.description,
          quantity: 1,
          unitPriceCents: r.amountCents,
          ...(r.serviceDate ? { serviceDate: r.serviceDate } : {}),
        }),
      ),
      PrivateNote: note,
    },
    warnings: truncated ? ["The internal note was cut to QuickBooks' 4,000 characters"] : [],
  };
}

export function billFor(group: RowGroup, vendorId: string, accountId: string): MappedObject {
  const { note, truncated } = groupNote(group);
  return {
    entity: 'Bill',
    payload: {
      DocNumber: group.docNumber,
      VendorRef: { value: vendorId },
      TxnDate: group.txnDate,
      Line: group.rows.map((r) =>
        buildExpenseLine({ accountId, amountCents: r.amountCents, description: r.description }),
      ),
      PrivateNote: note,
    },
    warnings: truncated ? ["The internal note was cut to QuickBooks' 4,000 characters"] : [],
  };
}
