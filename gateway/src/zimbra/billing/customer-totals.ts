import type { ReportLine } from './report-lines';

/** One row per customer of the report's Summary: its lines, accounts and amount (null when unknown). */
export interface CustomerTotal {
  customerId: string;
  customerName: string;
  docNumber: string | null;
  status: string;
  lines: number;
  accounts: number;
  amountCents: number | null;
}

export function customerTotals(lines: readonly ReportLine[]): CustomerTotal[] {
  const by = new Map<string, CustomerTotal>();
  for (const line of lines) {
    const t = by.get(line.customerId) ?? {
      customerId: line.customerId,
      customerName: line.customerName,
      docNumber: line.docNumber,
      status: line.invoiceStatus,
      lines: 0,
      accounts: 0,
      amountCents: 0,
    };
    t.lines++;
    t.accounts += line.accounts;
    t.amountCents =
      t.amountCents === null || line.amountCents === null ? null : t.amountCents + line.amountCents;
    by.set(line.customerId, t);
  }
  return [...by.values()].sort((a, b) =>
    a.customerName < b.customerName ? -1 : a.customerName > b.customerName ? 1 : 0,
  );
}
