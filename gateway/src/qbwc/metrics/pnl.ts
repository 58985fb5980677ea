/**
 * A Profit & Loss report → its leaf accounts. Pure. Only DataRows are accounts; SubtotalRows and TotalRows
 * are QuickBooks' own sums and are kept apart (never added again: the seed's double counting). Each leaf
 * keeps its full account path and the section headers it sits under, and leaves are a list, not a map
 * keyed by label, so two "Fees" under different parents stay two accounts.
 */
import { sumCents, toCents } from '../../../../shared/src/money';
import { QbXmlParseError, type Report, type ReportColumn, type ReportRow } from '../qbxml/qbxml-parse';

export type AccountKind = 'income' | 'cogs' | 'expense' | 'other_income' | 'other_expense' | 'unknown';

export interface LeafAccount {
  rowNumber: number;
  /** Full account name (`6300 · Payroll Expenses:6310 · Wages`), or the row label when QuickBooks gave none. */
  path: string;
  /** The label QuickBooks displays (`6310 · Wages`). */
  label: string;
  /** Open TextRow headers, outermost first (`Ordinary Income/Expense`, `Expense`, `6300 · Payroll Expenses`). */
  sections: string[];
  kind: AccountKind;
  amountCents: number;
}

export interface ReportTotal {
  rowNumber: number;
  type: 'SubtotalRow' | 'TotalRow';
  label: string;
  amountCents: number;
}

export interface ProfitAndLoss {
  basis: string | null;
  amountColumn: string;
  accounts: LeafAccount[];
  totals: ReportTotal[];
  /** The final TotalRow (Net Income) as QuickBooks computed it; null when the report has none. */
  reportedNetIncomeCents: number | null;
  /** income − COGS − expense + other income − other expense, from the leaves. */
  computedNetIncomeCents: number;
  /** Whether the leaves add up to QuickBooks' Net Income (null when it cannot be checked). */
  netIncomeMatches: boolean | null;
}

const kindBySection: Record<string, AccountKind> = {
  income: 'income',
  'cost of goods sold': 'cogs',
  cogs: 'cogs',
  expense: 'expense',
  expenses: 'expense',
  'other income': 'other_income',
  'other expense': 'other_expense',
  'other expenses': 'other_expense',
};

const netSign: Record<AccountKind, number> = {
  income: 1,
  cogs: -1,
  expense: -1,
  other_income: 1,
  other_expense: -1,
  unknown: 0,
};

/**
 * What an account adds to Net Income: income counts up, costs count down. An account outside every
 * section (`unknown`) has no known direction and adds 0, so a report made of such accounts cannot reconcile.
 */
export function netEffectCents(kind: AccountKind, amountCents: number): number {
  return netSign[kind] * amountCents;
}

function lower(text: string): string {
  return text.normalize('NFC').trim().toLowerCase();
}

/** The column whose amounts count: the TOTAL column when titled, else the last amount column. */
export function findAmountColumn(columns: readonly ReportColumn[]): string {
  const amounts = columns.filter((c) => c.colType === 'Amount' || c.dataType === 'AMTTYPE');
  if (amounts.length === 0) throw new QbXmlParseError('The report has no amount column (ColType Amount)');
  const total = amounts.find((c) => c.titles.some((t) => lower(t) === 'total'));
  return (total ?? amounts[amounts.length - 1]!).colId;
}

function findLabelColumn(columns: readonly ReportColumn[]): string {
  return (columns.find((c) => c.colType === 'Label') ?? columns[0]!).colId;
}

function amountOf(row: ReportRow, column: string): number {
  const raw = row.cells[column] ?? '';
  if (raw.trim() === '') return 0;
  try {
    return toCents(raw);
  } catch {
    throw new QbXmlParseError(`Row ${row.rowNumber} has amount "${raw}", which is not a decimal number`);
  }
}

function kindOf(sections: readonly string[]): AccountKind {
  for (let i = sections.length - 1; i >= 0; i--) {
    const kind = kindBySection[lower(sections[i]!)];
    if (kind) return kind;
  }
  return 'unknown';
}

/** Which open header a SubtotalRow closes: its account, "Total <header>", or "Net <header…>". */
function closedHeaderIndex(stack: readonly string[], label: string, account: string | undefined): number {
  const wanted = lower(label);
  for (let i = stack.length - 1; i >= 0; i--) {
    const header = lower(stack[i]!);
    if (account !== undefined && lower(account) === header) return i;
    if (wanted === `total ${header}` || (wanted === 'total cogs' && kindBySection[header] === 'cogs'))
      return i;
    if (wanted.startsWith('net ') && header.startsWith(wanted.slice(4))) return i;
  }
  return -1;
}

export function readProfitAndLoss(report: Report): ProfitAndLoss {
  const amountColumn = findAmountColumn(report.columns);
  const labelColumn = findLabelColumn(report.columns);
  const stack: string[] = [];
  const accounts: LeafAccount[] = [];
  const totals: ReportTotal[] = [];
  for (const row of report.rows) {
    const label = row.cells[labelColumn] ?? row.rowData?.value ?? '';
    switch (row.type) {
      case 'TextRow': {
        // Income, COGS, Expense… are siblings: a new one ends any still-open one whose subtotal was missing.
        const text = row.text ?? '';
        if (kindBySection[lower(text)]) {
          const open = stack.findIndex((h) => kindBySection[lower(h)] !== undefined);
          if (open >= 0) stack.length = open;
        }
        stack.push(text);
        break;
      }
      case 'DataRow': {
        const fullName = row.rowData?.rowType === 'account' ? row.rowData.value : '';
        const path = fullName !== '' ? fullName : label;
        const sections = [...stack];
        accounts.push({
          rowNumber: row.rowNumber,
          path,
          label: label !== '' ? label : path,
          sections,
          kind: kindOf(sections),
          amountCents: amountOf(row, amountColumn),
        });
        break;
      }
      case 'SubtotalRow': {
        totals.push({
          rowNumber: row.rowNumber,
          type: row.type,
          label,
          amountCents: amountOf(row, amountColumn),
        });
        const closed = closedHeaderIndex(stack, label, row.rowData?.value);
        if (closed >= 0) stack.length = closed;
        break;
      }
      case 'TotalRow':
        totals.push({
          rowNumber: row.rowNumber,
          type: row.type,
          label,
          amountCents: amountOf(row, amountColumn),
        });
        stack.length = 0;
        break;
    }
  }
  const finalTotal = [...totals].reverse().find((t) => t.type === 'TotalRow');
  const computed = sumCents(
    accounts.map((a) => netEffectCents(a.kind, a.amountCents)),
    'the accounts of the report',
  );
  const checkable = finalTotal !== undefined && accounts.every((a) => a.kind !== 'unknown');
  return {
    basis: report.basis,
    amountColumn,
    accounts,
    totals,
    reportedNetIncomeCents: finalTotal?.amountCents ?? null,
    computedNetIncomeCents: computed,
    netIncomeMatches: checkable ? computed === finalTotal.amountCents : null,
  };
}
