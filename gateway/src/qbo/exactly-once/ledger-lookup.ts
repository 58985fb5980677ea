import { nameKey } from './name-key';

/**
 * How a ledger row finds its object again when an outcome is unknown, and how that is stored: validated
 * when a row is planned (a lookup that would search elsewhere than the payload lands is refused) and
 * turned into / read back from the ledger's lookup columns.
 */

export type LedgerEntity = 'Invoice' | 'Bill' | 'BillPayment' | 'Customer' | 'Vendor';
/**
 * How the writer finds the object again when an outcome is unknown (qbo-api.md §4.3 point 2):
 * - `docNumber`: a transaction carrying our own number (DocNumber is filterable);
 * - `displayName`: a Customer/Vendor (names are unique, inactive ones included);
 * - `marker`: a transaction QuickBooks numbers itself or that has no number (a Bill without the vendor's
 *   number, a BillPayment). Candidates are queried by the party (CustomerRef for an Invoice, VendorRef for a
 *   Bill or BillPayment) and TxnDate, then matched only by the `qb-bridge ref <requestid> key <mark>` marker
 *   the writer puts in PrivateNote (the key mark survives a restore that re-plans the row with a new requestid).
 *   The payload must carry the same party and TxnDate: without a TxnDate QuickBooks dates it "today" in
 *   the company's time zone, which the lookup could not predict.
 */
export type MarkerLookup =
  | { marker: { customerRef: string; txnDate: string } }
  | { marker: { vendorRef: string; txnDate: string } };
export type LedgerLookup = { docNumber: string } | { displayName: string } | MarkerLookup;

export interface LookupColumns {
  doc: string | null;
  name: string | null;
  partyRef: string | null;
  txnDate: string | null;
}

/** The reference field a marker lookup queries: the customer of an invoice, the vendor of a bill. */
export const markerPartyField = {
  Invoice: 'CustomerRef',
  Bill: 'VendorRef',
  BillPayment: 'VendorRef',
} as const;

const isMarkerEntity = (entity: LedgerEntity): entity is keyof typeof markerPartyField =>
  entity in markerPartyField;

function refValueOf(payload: Record<string, unknown>, field: string): string | undefined {
  const ref = payload[field];
  if (typeof ref !== 'object' || ref === null) return undefined;
  const value = (ref as { value?: unknown }).value;
  return typeof value === 'string' || typeof value === 'number' ? String(value) : undefined;
}

/** The party and date of a marker lookup, whichever side (customer or vendor) it names. */
export function markerOf(lookup: LedgerLookup): { partyRef: string; txnDate: string } | undefined {
  if (!('marker' in lookup)) return undefined;
  const m = lookup.marker;
  return { partyRef: 'customerRef' in m ? m.customerRef : m.vendorRef, txnDate: m.txnDate };
}

function markerColumns(entity: LedgerEntity, payload: Record<string, unknown>, lookup: MarkerLookup) {
  if (!isMarkerEntity(entity)) {
    throw new Error(
      `A marker lookup only works for invoices, bills and bill payments, not ${entity}; use { displayName }`,
    );
  }
  const side = entity === 'Invoice' ? 'customerRef' : 'vendorRef';
  const partyRef: unknown = (lookup.marker as Record<string, unknown>)[side];
  if (typeof partyRef !== 'string') {
    throw new Error(
      `A marker lookup for ${entity === 'Invoice' ? 'an invoice' : `a ${entity}`} needs { ${side} }`,
    );
  }
  const txnDate = lookup.marker.txnDate;
  if (partyRef.trim() === '') throw new Error(`A marker lookup ${side} cannot be empty`);
  const parsed = new Date(`${txnDate}T00:00:00Z`);
  if (
    !/^\d{4}-\d{2}-\d{2}$/.test(txnDate) ||
    Number.isNaN(parsed.getTime()) ||
    parsed.toISOString().slice(0, 10) !== txnDate
  ) {
    throw new Error(`A marker lookup txnDate must be a date as YYYY-MM-DD, got "${txnDate}"`);
  }
  // The lookup queries by what the payload says; a mismatch would look in the wrong place and resend.
  const field = markerPartyField[entity];
  if (refValueOf(payload, field) !== partyRef) {
    throw new Error(`The payload's ${field} must be ${partyRef}, the ${side} its marker lookup names`);
  }
  if (payload.TxnDate !== txnDate) {
    throw new Error(
      `The payload's TxnDate must be ${txnDate}, the date its marker lookup names (QuickBooks would date it itself)`,
    );
  }
  return { partyRef, txnDate };
}

export function lookupColumns(
  entity: LedgerEntity,
  payload: Record<string, unknown>,
  lookup: LedgerLookup,
): LookupColumns {
  // The lookup searches by what it names; a payload that does not carry it lands where the lookup never
  // looks (QuickBooks numbering the invoice itself, say), and an unknown outcome would then be resent.
  if ('docNumber' in lookup) {
    if (lookup.docNumber.trim() === '') throw new Error('A ledger lookup DocNumber cannot be empty');
    if (entity !== 'Invoice' && entity !== 'Bill') {
      throw new Error(
        `A docNumber lookup only works for invoices and bills, not ${entity}; use { displayName }`,
      );
    }
    if (payload.DocNumber !== lookup.docNumber) {
      throw new Error(
        `The payload's DocNumber must be "${lookup.docNumber}", the number its docNumber lookup names (got ${JSON.stringify(payload.DocNumber ?? null)}); without a DocNumber of ours use a { marker } lookup`,
      );
    }
    return { doc: lookup.docNumber, name: null, partyRef: null, txnDate: null };
  }
  if ('displayName' in lookup) {
    if (lookup.displayName.trim() === '') throw new Error('A ledger lookup DisplayName cannot be empty');
    if (entity !== 'Customer' && entity !== 'Vendor') {
      throw new Error(
        `A displayName lookup only works for customers and vendors, not ${entity}; use { docNumber } or { marker }`,
      );
    }
    const sent = typeof payload.DisplayName === 'string' ? nameKey(payload.DisplayName) : undefined;
    if (sent !== nameKey(lookup.displayName)) {
      throw new Error(
        `The payload's DisplayName must be "${lookup.displayName}", the name its displayName lookup names (got ${JSON.stringify(payload.DisplayName ?? null)})`,
      );
    }
    return { doc: null, name: lookup.displayName, partyRef: null, txnDate: null };
  }
  return { doc: null, name: null, ...markerColumns(entity, payload, lookup) };
}

export function lookupFromColumns(entity: LedgerEntity, columns: LookupColumns): LedgerLookup {
  if (columns.doc !== null) return { docNumber: columns.doc };
  if (columns.partyRef !== null && columns.txnDate !== null) {
    return entity === 'Bill' || entity === 'BillPayment'
      ? { marker: { vendorRef: columns.partyRef, txnDate: columns.txnDate } }
      : { marker: { customerRef: columns.partyRef, txnDate: columns.txnDate } };
  }
  return { displayName: columns.name ?? '' };
}
