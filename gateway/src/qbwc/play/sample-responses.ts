import { formatCents } from '../../../../shared/src/money';
import { escapeXml } from '../qbxml/xml-guard';
import { firstChild, readXml } from '../qbxml/xml-reader';

/**
 * What QuickBooks Desktop would answer to qb-bridge's requests, for `qbwc play-session`, tests and the
 * benchmark: a Profit & Loss with nested accounts (parent TextRow → child DataRows → parent SubtotalRow,
 * section subtotals, the final Net Income TotalRow, qbwc.md §7) for whatever period was asked, and an
 * EmployeeQueryRs. Amounts vary by month but are deterministic, so a test can predict every figure.
 */
export type PnlSection = 'Income' | 'Cost of Goods Sold' | 'Expense' | 'Other Income' | 'Other Expense';

export interface SampleAccount {
  /** Full account path, parent first (QuickBooks' `Parent:Child` full name). */
  path: readonly string[];
  section: PnlSection;
  /** Amount in January; later months add `growthCents` per month. */
  baseCents: number;
  growthCents: number;
}

/**
 * Shaped like a small IT services company's chart of accounts, with what real reports carry and a parser
 * must get right: parents with children (subtotals QuickBooks adds), a negative income line (service
 * credits refunded to customers), a negative expense (a supplier refund), owner pay nested under payroll,
 * non-ASCII names, and two accounts no default mapping takes (they stay unmapped). January amounts are the
 * base amounts, so a test can work out a January by hand.
 */
export const sampleAccounts: readonly SampleAccount[] = [
  {
    path: ['4100 · Managed Services', '4110 · Monitoring'],
    section: 'Income',
    baseCents: 5_000_000,
    growthCents: 25_000,
  },
  {
    path: ['4100 · Managed Services', '4120 · Help Desk'],
    section: 'Income',
    baseCents: 3_000_000,
    growthCents: 10_000,
  },
  {
    path: ['4100 · Managed Services', '4190 · Service Credits (Rückerstattung)'],
    section: 'Income',
    baseCents: -125_000,
    growthCents: -1_000,
  },
  { path: ['4200 · Professional Services'], section: 'Income', baseCents: 2_500_000, growthCents: 0 },
  { path: ['4300 · Hardware Sales'], section: 'Income', baseCents: 432_109, growthCents: 0 },
  {
    path: ['5000 · Cost of Goods Sold', '5010 · Subcontractors'],
    section: 'Cost of Goods Sold',
    baseCents: 1_200_000,
    growthCents: 5_000,
  },
  {
    path: ['5000 · Cost of Goods Sold', '5020 · Hardware for Resale'],
    section: 'Cost of Goods Sold',
    baseCents: 275_055,
    growthCents: 0,
  },
  {
    path: ['6300 · Payroll Expenses', '6310 · Wages'],
    section: 'Expense',
    baseCents: 3_000_000,
    growthCents: 0,
  },
  {
    path: ['6300 · Payroll Expenses', '6320 · Payroll Taxes'],
    section: 'Expense',
    baseCents: 229_500,
    growthCents: 0,
  },
  {
    path: ['6300 · Payroll Expenses', '6330 · Officer Salary (José Núñez)'],
    section: 'Expense',
    baseCents: 800_000,
    growthCents: 0,
  },
  { path: ['6500 · Rent Expense'], section: 'Expense', baseCents: 2_000_000, growthCents: 0 },
  {
    path: ['6700 · Office Expenses', '6710 · Supplies'],
    section: 'Expense',
    baseCents: 48_000,
    growthCents: 500,
  },
  {
    path: ['6700 · Office Expenses', '6720 · Supplier Refunds'],
    section: 'Expense',
    baseCents: -8_250,
    growthCents: 0,
  },
  { path: ['6800 · Café & Meals (Ngụy)'], section: 'Expense', baseCents: 12_345, growthCents: 101 },
  { path: ['7000 · Interest Income'], section: 'Other Income', baseCents: 4_217, growthCents: 3 },
];

export const sampleEmployeeCount = 3;

/**
 * A bigger company's chart: the sample accounts plus generated ones up to `total` accounts (parents of five
 * children, some negative, non-ASCII names), for a benchmark whose reports should be of realistic size
 * (a QuickBooks Desktop company typically has one to a few hundred P&L accounts).
 */
export function sampleChartOfAccounts(total: number): SampleAccount[] {
  const chart = [...sampleAccounts];
  const sections: PnlSection[] = ['Income', 'Expense', 'Expense', 'Cost of Goods Sold', 'Other Expense'];
  const words = ['Consulting', 'Licences', 'Travel Expense', 'Gebühren', 'Ngụy Supplies', 'Café', 'Cloud'];
  for (let i = 0; chart.length < total; i++) {
    const section = sections[Math.floor(i / 5) % sections.length]!;
    const parent = `${8000 + Math.floor(i / 5)} · ${words[Math.floor(i / 5) % words.length]} Group`;
    chart.push({
      path: [parent, `${8000 + i}.${i % 5} · ${words[i % words.length]} ${i}`],
      section,
      baseCents: ((i * 7919) % 250_000) - (i % 9 === 0 ? 30_000 : 0),
      growthCents: i % 3,
    });
  }
  return chart;
}

function monthIndex(period: string): number {
  const [year, month] = period.split('-').map(Number);
  return (year ?? 2025) * 12 + (month ?? 1) - 1;
}

/** The amount of an account in a month (`YYYY-MM`), in cents. */
export function sampleAmountCents(account: SampleAccount, period: string): number {
  return account.baseCents + account.growthCents * (monthIndex(period) % 12);
}

export interface SamplePnlTotals {
  incomeCents: number;
  cogsCents: number;
  expenseCents: number;
  otherIncomeCents: number;
  otherExpenseCents: number;
  netIncomeCents: number;
}

export function samplePnlTotals(
  period: string,
  accounts: readonly SampleAccount[] = sampleAccounts,
): SamplePnlTotals {
  const sum = (section: PnlSection) =>
    accounts
      .filter((a) => a.section === section)
      .reduce((total, a) => total + sampleAmountCents(a, period), 0);
  const t = {
    incomeCents: sum('Income'),
    cogsCents: sum('Cost of Goods Sold'),
    expenseCents: sum('Expense'),
    otherIncomeCents: sum('Other Income'),
    otherExpenseCents: sum('Other Expense'),
  };
  return {
    ...t,
    netIncomeCents: t.incomeCents - t.cogsCents - t.expenseCents + t.otherIncomeCents - t.otherExpenseCents,
  };
}

class Rows {
  private readonly lines: string[] = [];
  private n = 0;
  text(value: string) {
    this.lines.push(`<TextRow rowNumber="${++this.n}" value="${escapeXml(value)}"/>`);
  }
  amount(tag: 'DataRow' | 'SubtotalRow' | 'TotalRow', label: string, cents: number, account?: string) {
    const rowData = account ? `<RowData rowType="account" value="${escapeXml(account)}"/>` : '';
    this.lines.push(
      `<${tag} rowNumber="${++this.n}">${rowData}<ColData colID="1" value="${escapeXml(label)}"/><ColData colID="2" value="${formatCents(cents)}"/></${tag}>`,
    );
  }
  get count() {
    return this.n;
  }
  toString() {
    return this.lines.join('\n');
  }
}

function sectionRows(
  rows: Rows,
  section: PnlSection,
  period: string,
  chart: readonly SampleAccount[],
): number {
  const accounts = chart.filter((a) => a.section === section);
  if (accounts.length === 0) return 0;
  rows.text(section);
  let total = 0;
  const parents = [...new Set(accounts.map((a) => a.path[0]!))];
  for (const parent of parents) {
    const group = accounts.filter((a) => a.path[0] === parent);
    const leaf = group.length === 1 && group[0]!.path.length === 1;
    if (leaf) {
      const cents = sampleAmountCents(group[0]!, period);
      rows.amount('DataRow', parent, cents, parent);
      total += cents;
      continue;
    }
    rows.text(parent);
    let subtotal = 0;
    for (const account of group) {
      const cents = sampleAmountCents(account, period);
      rows.amount('DataRow', account.path[account.path.length - 1]!, cents, account.path.join(':'));
      subtotal += cents;
    }
    rows.amount('SubtotalRow', `Total ${parent}`, subtotal, parent);
    total += subtotal;
  }
  rows.amount('SubtotalRow', `Total ${section}`, total);
  return total;
}

const monthNames =
  'January February March April May June July August September October November December'.split(' ');

/** A `GeneralSummaryReportQueryRs` for ProfitAndLossStandard, TotalOnly, covering `from`..`to`. */
export function sampleProfitAndLossResponse(
  requestId: string,
  from: string,
  to: string,
  basis = 'Accrual',
  accounts: readonly SampleAccount[] = sampleAccounts,
): string {
  const period = from.slice(0, 7);
  const t = samplePnlTotals(period, accounts);
  const rows = new Rows();
  rows.text('Ordinary Income/Expense');
  sectionRows(rows, 'Income', period, accounts);
  sectionRows(rows, 'Cost of Goods Sold', period, accounts);
  rows.amount('SubtotalRow', 'Gross Profit', t.incomeCents - t.cogsCents);
  sectionRows(rows, 'Expense', period, accounts);
  rows.amount('SubtotalRow', 'Net Ordinary Income', t.incomeCents - t.cogsCents - t.expenseCents);
  rows.text('Other Income/Expense');
  sectionRows(rows, 'Other Income', period, accounts);
  sectionRows(rows, 'Other Expense', period, accounts);
  rows.amount('SubtotalRow', 'Net Other Income', t.otherIncomeCents - t.otherExpenseCents);
  rows.amount('TotalRow', 'Net Income', t.netIncomeCents);
  const month = monthNames[Number(period.slice(5, 7)) - 1] ?? period;
  const subtitle =
    from.slice(0, 7) === to.slice(0, 7) ? `${month} ${period.slice(0, 4)}` : `${from} through ${to}`;
  return [
    `<GeneralSummaryReportQueryRs requestID="${escapeXml(requestId)}" statusCode="0" statusSeverity="Info" statusMessage="Status OK">`,
    '<ReportRet>',
    `<ReportTitle>Profit &amp; Loss</ReportTitle><ReportSubtitle>${escapeXml(subtitle)}</ReportSubtitle><ReportBasis>${escapeXml(basis)}</ReportBasis>`,
    `<NumRows>${rows.count}</NumRows><NumColumns>2</NumColumns><NumColTitleRows>1</NumColTitleRows>`,
    '<ColDesc colID="1" dataType="STRTYPE"><ColTitle titleRow="1"/><ColType>Label</ColType></ColDesc>',
    '<ColDesc colID="2" dataType="AMTTYPE"><ColTitle titleRow="1" value="TOTAL"/><ColType>Amount</ColType></ColDesc>',
    '<ReportData>',
    rows.toString(),
    '</ReportData>',
    '</ReportRet>',
    '</GeneralSummaryReportQueryRs>',
  ].join('\n');
}

export function sampleEmployeeResponse(requestId: string, count = sampleEmployeeCount): string {
  if (count === 0) {
    return `<EmployeeQueryRs requestID="${escapeXml(requestId)}" statusCode="1" statusSeverity="Info" statusMessage="A query request did not find a matching object in QuickBooks" />`;
  }
  const employees = Array.from(
    { length: count },
    (_, i) =>
      `<EmployeeRet><ListID>8000000${i + 1}-1420967073</ListID><IsActive>true</IsActive></EmployeeRet>`,
  ).join('');
  return `<EmployeeQueryRs requestID="${escapeXml(requestId)}" statusCode="0" statusSeverity="Info" statusMessage="Status OK" retCount="${count}">${employees}</EmployeeQueryRs>`;
}

/**
 * Answers a whole qbXML request message set the way QuickBooks would: one `…Rs` per `…Rq`, in order, with
 * the request's requestID. Unsupported requests get statusCode 3250-style errors so a test sees them.
 */
export function answerSampleRequest(
  requestXml: string,
  options: { employees?: number; accounts?: readonly SampleAccount[] } = {},
): string {
  const root = readXml(requestXml, { allowProcessingInstructions: true, what: 'The qbXML request' });
  const set = root.name === 'QBXML' ? firstChild(root, 'QBXMLMsgsRq') : undefined;
  if (!set) throw new Error('Not a qbXML request message set');
  const answers = set.children.map((rq) => {
    const requestId = rq.attrs.requestID ?? '';
    if (rq.name === 'GeneralSummaryReportQueryRq') {
      const period = firstChild(rq, 'ReportPeriod');
      const from = (period && firstChild(period, 'FromReportDate')?.text) || '2025-01-01';
      const to = (period && firstChild(period, 'ToReportDate')?.text) || from;
      const basis = firstChild(rq, 'ReportBasis')?.text || 'Accrual';
      return sampleProfitAndLossResponse(requestId, from, to, basis, options.accounts);
    }
    if (rq.name === 'EmployeeQueryRq') return sampleEmployeeResponse(requestId, options.employees);
    const rs = rq.name.replace(/Rq$/, 'Rs');
    return `<${rs} requestID="${escapeXml(requestId)}" statusCode="3250" statusSeverity="Error" statusMessage="This feature is not enabled or not available in this version of QuickBooks." />`;
  });
  return `<?xml version="1.0" ?>\n<QBXML>\n<QBXMLMsgsRs>\n${answers.join('\n')}\n</QBXMLMsgsRs>\n</QBXML>\n`;
}

/** The §5.3-shaped HCP response QuickBooks sends on the first sendRequestXML, optionally with our FileID. */
export function sampleHcpResponse(
  options: { ownerId?: string; fileId?: string; versions?: string[] } = {},
): string {
  const versions = (options.versions ?? ['1.0', '2.0', '3.0', '7.0', '8.0', '10.0', '12.0', '13.0'])
    .map((v) => `<SupportedQBXMLVersion>${escapeXml(v)}</SupportedQBXMLVersion>`)
    .join('');
  const ext =
    options.ownerId && options.fileId
      ? `<DataExtRet><OwnerID>${escapeXml(options.ownerId)}</OwnerID><DataExtName>FileID</DataExtName><DataExtType>STR255TYPE</DataExtType><DataExtValue>${escapeXml(options.fileId)}</DataExtValue></DataExtRet>`
      : '';
  return `<?xml version="1.0" ?>
<QBXML><QBXMLMsgsRs>
<HostQueryRs requestID="0" statusCode="0" statusSeverity="Info" statusMessage="Status OK"><HostRet><ProductName>QuickBooks Pro 2014</ProductName><MajorVersion>24</MajorVersion><MinorVersion>0</MinorVersion><Country>US</Country>${versions}<IsAutomaticLogin>false</IsAutomaticLogin><QBFileMode>SingleUser</QBFileMode></HostRet></HostQueryRs>
<CompanyQueryRs requestID="1" statusCode="0" statusSeverity="Info" statusMessage="Status OK"><CompanyRet><IsSampleCompany>false</IsSampleCompany><CompanyName>Acme Café Ltd</CompanyName>${ext}</CompanyRet></CompanyQueryRs>
<PreferencesQueryRs requestID="2" statusCode="0" statusSeverity="Info" statusMessage="Status OK"><PreferencesRet><ReportsPreferences><AgingReportBasis>AgeFromDueDate</AgingReportBasis><SummaryReportBasis>Accrual</SummaryReportBasis></ReportsPreferences></PreferencesRet></PreferencesQueryRs>
</QBXMLMsgsRs></QBXML>
`;
}
