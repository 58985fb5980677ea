import type { Direction } from './directions';
import type { NormalizedRow } from './normalize-row';

/**
 * Rows sharing one `invoice` value become ONE QuickBooks invoice (or bill) with a line per row, in sheet
 * order (seed 001 open question 3). Rows of one number must agree on direction, party and date; when they
 * do not, every row of that number gets the same sentence, since fixing any one of them may be the fix.
 * The group is keyed by its smallest `qb_row_id`, which does not change when rows are sorted.
 */
export interface RowGroup {
  anchorRowId: string;
  docNumber: string;
  direction: Direction;
  party: string;
  txnDate: string;
  rows: NormalizedRow[];
  totalCents: number;
}

export interface Grouping {
  groups: RowGroup[];
  errors: Map<string, string>;
}

const same = (a: string, b: string) => a.trim().toLowerCase() === b.trim().toLowerCase();

export function groupRows(rows: readonly NormalizedRow[]): Grouping {
  const byDoc = new Map<string, NormalizedRow[]>();
  for (const row of rows) {
    const list = byDoc.get(row.docNumber);
    if (list) list.push(row);
    else byDoc.set(row.docNumber, [row]);
  }
  const groups: RowGroup[] = [];
  const errors = new Map<string, string>();
  for (const [docNumber, list] of byDoc) {
    list.sort((a, b) => a.sheetRow - b.sheetRow);
    const first = list[0]!;
    const where = `rows ${list.map((r) => r.sheetRow).join(', ')}`;
    let problem: string | undefined;
    if (list.some((r) => r.direction !== first.direction)) {
      problem = `Invoice ${docNumber} (${where}) mixes money in and money out (inv_from); one number is one invoice or one bill`;
    } else if (list.some((r) => !same(r.party, first.party))) {
      problem = `Invoice ${docNumber} (${where}) names different ${first.direction === 'money_out' ? 'vendors (inv_from)' : 'clients (to_client/end_client)'}; make them the same or give the rows different invoice numbers`;
    } else if (list.some((r) => r.txnDate !== first.txnDate)) {
      problem = `Invoice ${docNumber} (${where}) has different submitted_date values (${[...new Set(list.map((r) => r.txnDate))].join(', ')}); make them the same`;
    }
    if (problem) {
      for (const r of list) errors.set(r.rowId, problem);
      continue;
    }
    const anchor = list.map((r) => r.rowId).sort()[0]!;
    groups.push({
      anchorRowId: anchor,
      docNumber,
      direction: first.direction,
      party: first.party,
      txnDate: first.txnDate,
      rows: list,
      totalCents: list.reduce((sum, r) => sum + r.amountCents, 0),
    });
  }
  return { groups, errors };
}

export const privateNoteMax = 4000;

/** PrivateNote for a group: each row's facts once, cut to QuickBooks' limit with a warning. */
export function groupNote(group: RowGroup): { note: string; truncated: boolean } {
  const parts: string[] = [];
  for (const row of group.rows) for (const p of row.noteParts) if (!parts.includes(p)) parts.push(p);
  parts.push(`qb-bridge sheet rows: ${group.rows.map((r) => r.rowId).join(', ')}`);
  const note = parts.join('\n');
  if (note.length <= privateNoteMax) return { note, truncated: false };
  return { note: `${note.slice(0, privateNoteMax - 1)}…`, truncated: true };
}
