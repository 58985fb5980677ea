import zlib from 'node:zlib';
import { defaultMappings } from '../gateway/src/qbwc/metrics/default-mappings';
import { computeMonthMetrics } from '../gateway/src/qbwc/metrics/metrics';
import { readProfitAndLoss } from '../gateway/src/qbwc/metrics/pnl';
import { parseReportResponse } from '../gateway/src/qbwc/qbxml/qbxml-parse';

/**
 * A ~10 MB ProfitAndLossStandard response (tens of thousands of accounts under parent accounts, with
 * subtotals, negatives and non-ASCII names) → leaf accounts → metrics with the 22 defaults: the work a
 * receiveResponseXML does for the largest report we expect. Reports wall time and memory.
 */
const targetBytes = 10 * 1024 * 1024;

/** Also sent through the whole gateway by `qbwc-soap.ts` (with the requestID of the month it answers). */
export function generateLargePnl(requestId = 'pl-2025-01'): { xml: string; accounts: number } {
  const rows: string[] = [];
  let n = 0;
  let accounts = 0;
  let bytes = 0;
  const row = (s: string) => {
    rows.push(s);
    bytes += s.length + 1;
  };
  const data = (path: string, label: string, cents: number) => {
    accounts++;
    const amount = `${cents < 0 ? '-' : ''}${Math.trunc(Math.abs(cents) / 100)}.${String(Math.abs(cents) % 100).padStart(2, '0')}`;
    row(
      `<DataRow rowNumber="${++n}"><RowData rowType="account" value="${path}"/><ColData colID="1" value="${label}"/><ColData colID="2" value="${amount}"/></DataRow>`,
    );
  };
  const names = [
    'Managed Services',
    'Professional Services',
    'Café Équipement Expense',
    'Payroll',
    'Fees',
    'Zürich Rent Expense',
  ];
  row(`<TextRow rowNumber="${++n}" value="Ordinary Income/Expense"/>`);
  for (const section of ['Income', 'Expense']) {
    row(`<TextRow rowNumber="${++n}" value="${section}"/>`);
    for (let p = 0; bytes < (section === 'Income' ? targetBytes / 2 : targetBytes); p++) {
      const parent = `${section === 'Income' ? 4 : 6}${String(p).padStart(4, '0')} · ${names[p % names.length]} Group`;
      row(`<TextRow rowNumber="${++n}" value="${parent}"/>`);
      for (let c = 0; c < 20; c++) {
        const label = `${String(c).padStart(2, '0')} · ${names[(p + c) % names.length]}`;
        data(`${parent}:${label}`, label, ((p * 7919 + c * 104729) % 500000) - (c === 7 ? 600000 : 0));
      }
      row(
        `<SubtotalRow rowNumber="${++n}"><RowData rowType="account" value="${parent}"/><ColData colID="1" value="Total ${parent}"/><ColData colID="2" value="0.00"/></SubtotalRow>`,
      );
    }
    row(
      `<SubtotalRow rowNumber="${++n}"><ColData colID="1" value="Total ${section}"/><ColData colID="2" value="0.00"/></SubtotalRow>`,
    );
  }
  row(
    `<TotalRow rowNumber="${++n}"><ColData colID="1" value="Net Income"/><ColData colID="2" value="0.00"/></TotalRow>`,
  );
  const xml = `<?xml version="1.0" ?>
<QBXML><QBXMLMsgsRs><GeneralSummaryReportQueryRs requestID="${requestId}" statusCode="0" statusSeverity="Info" statusMessage="Status OK">
<ReportRet><ReportTitle>Profit &amp; Loss</ReportTitle><ReportSubtitle>January 2025</ReportSubtitle><ReportBasis>Accrual</ReportBasis>
<NumRows>${n}</NumRows><NumColumns>2</NumColumns><NumColTitleRows>1</NumColTitleRows>
<ColDesc colID="1" dataType="STRTYPE"><ColTitle titleRow="1"/><ColType>Label</ColType></ColDesc>
<ColDesc colID="2" dataType="AMTTYPE"><ColTitle titleRow="1" value="TOTAL"/><ColType>Amount</ColType></ColDesc>
<ReportData>
${rows.join('\n')}
</ReportData></ReportRet></GeneralSummaryReportQueryRs></QBXMLMsgsRs></QBXML>`;
  return { xml, accounts };
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

export async function run(): Promise<Array<Record<string, unknown>>> {
  const { xml, accounts } = generateLargePnl();
  const mappings = defaultMappings.map((m, i) => ({ ...m, id: i + 1 }));
  const sizeMb = Number((Buffer.byteLength(xml) / 1024 / 1024).toFixed(2));
  const gc = (globalThis as { gc?: () => void }).gc;
  const parseMs: number[] = [];
  const totalMs: number[] = [];
  let heapDeltaMb = 0;
  const rssBeforeMb = process.memoryUsage().rss / 1024 / 1024;
  let leaves = 0;
  for (let i = 0; i < 3; i++) {
    gc?.();
    const heapBefore = process.memoryUsage().heapUsed;
    const started = performance.now();
    const { report } = parseReportResponse(xml, 'pl-2025-01');
    const parsed = performance.now();
    const pnl = readProfitAndLoss(report!);
    const month = computeMonthMetrics(pnl.accounts, mappings);
    totalMs.push(performance.now() - started);
    parseMs.push(parsed - started);
    heapDeltaMb = Math.max(heapDeltaMb, (process.memoryUsage().heapUsed - heapBefore) / 1024 / 1024);
    leaves = month.assignments.length;
  }
  const peakRssMb = process.resourceUsage().maxRSS / 1024;
  let started = performance.now();
  const gz = zlib.gzipSync(Buffer.from(xml, 'utf8'));
  const gzipMs = performance.now() - started;
  started = performance.now();
  zlib.gunzipSync(gz);
  const gunzipMs = performance.now() - started;
  const base = { input_mb: sizeMb, accounts, runs: 3 };
  return [
    { metric: 'qbwc_pnl_xml_parse_ms', value: Math.round(median(parseMs)), ...base },
    { metric: 'qbwc_pnl_parse_to_metrics_ms', value: Math.round(median(totalMs)), leaves, ...base },
    {
      metric: 'qbwc_pnl_heap_delta_mb',
      value: Math.round(heapDeltaMb),
      gc_exposed: gc !== undefined,
      ...base,
    },
    {
      metric: 'qbwc_pnl_peak_rss_mb',
      value: Math.round(peakRssMb),
      rss_before_parse_mb: Math.round(rssBeforeMb),
      ...base,
    },
    {
      metric: 'qbwc_raw_gzip',
      value: Number((gz.length / 1024 / 1024).toFixed(2)),
      unit: 'MB stored',
      gzip_ms: Math.round(gzipMs),
      gunzip_ms: Math.round(gunzipMs),
      ...base,
    },
  ];
}
