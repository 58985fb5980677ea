import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { type AppContext, openContext } from '../../gateway/src/app/context';
import { loadConfig } from '../../gateway/src/config/load';
import { createLogger, type Logger } from '../../gateway/src/log/logger';
import { createQbwcWork } from '../../gateway/src/qbwc/service';
import { SessionStore } from '../../gateway/src/qbwc/sessions/session-store';
import type { QbwcSessionInfo } from '../../gateway/src/qbwc/work';

export const repoRoot = path.resolve(import.meta.dirname, '../..');
export const fixtureDir = path.join(repoRoot, 'test/fixtures/qbwc');
export const qbxmlSchema = path.resolve(repoRoot, '../shared/reference/qbxml/qbxmlops130.xsd');

export function fixture(name: string): string {
  return fs.readFileSync(path.join(fixtureDir, name), 'utf8');
}

/** A fixture answering another request: P&L fixtures are written for one month. */
export function withRequestId(xml: string, requestId: string): string {
  return xml.replace(/requestID="[^"]*"/, `requestID="${requestId}"`);
}

export interface TestContext {
  ctx: AppContext;
  dir: string;
  cleanup(): void;
}

export function openTestContext(env: Record<string, string> = {}, log?: Logger): TestContext {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'qbb-qbwc-data-'));
  const ctx = openContext(loadConfig({ DATA_DIR: dir, LOG_LEVEL: 'silent', ...env }, dir), {
    log: log ?? createLogger({ level: 'silent' }),
  });
  return {
    ctx,
    dir,
    cleanup() {
      ctx.close();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** A session row as the SOAP shell creates it after authenticate. */
export function newSession(ctx: AppContext, qbXmlVersion = '13.0'): QbwcSessionInfo {
  const ticket = `ticket-${Math.random().toString(16).slice(2)}`;
  const sessionId = new SessionStore(ctx.db).insert({
    ticket,
    username: 'qb-bridge',
    now: new Date().toISOString(),
  });
  return { sessionId, ticket, companyFile: 'C:\\Company Files\\Acme.QBW', qbXmlVersion };
}

/** One P&L section of `profitAndLossXml`: a header QuickBooks prints (Income, Expense…) and its accounts. */
export interface PnlSection {
  header: 'Income' | 'Cost of Goods Sold' | 'Expense' | 'Other Income' | 'Other Expense';
  accounts: Array<[path: string, amount: string]>;
}

function xmlAttr(text: string): string {
  return text.replaceAll('&', '&amp;').replaceAll('"', '&quot;').replaceAll('<', '&lt;');
}

/**
 * A schema-shaped Profit & Loss response (qbwc.md §7.4 layout) built from sections. The Net Income TotalRow
 * is computed from the accounts unless `netIncome` overrides it (a report whose leaves do not add up).
 */
export function profitAndLossXml(
  sections: readonly PnlSection[],
  options: { requestId?: string; netIncome?: string } = {},
): string {
  const sign: Record<PnlSection['header'], number> = {
    Income: 1,
    'Cost of Goods Sold': -1,
    Expense: -1,
    'Other Income': 1,
    'Other Expense': -1,
  };
  const rows: string[] = [];
  let n = 0;
  let net = 0;
  const text = (value: string) => rows.push(`<TextRow rowNumber="${++n}" value="${xmlAttr(value)}"/>`);
  const amountRow = (type: string, label: string, cents: number) =>
    rows.push(
      `<${type} rowNumber="${++n}"><ColData colID="1" value="${xmlAttr(label)}"/><ColData colID="2" value="${(cents / 100).toFixed(2)}"/></${type}>`,
    );
  for (const section of sections) {
    text(section.header);
    let total = 0;
    for (const [path, amount] of section.accounts) {
      const cents = Math.round(Number(amount) * 100);
      total += cents;
      const label = path.split(':').at(-1)!;
      rows.push(
        `<DataRow rowNumber="${++n}"><RowData rowType="account" value="${xmlAttr(path)}"/><ColData colID="1" value="${xmlAttr(label)}"/><ColData colID="2" value="${amount}"/></DataRow>`,
      );
    }
    net += sign[section.header] * total;
    amountRow(
      'SubtotalRow',
      section.header === 'Cost of Goods Sold' ? 'Total COGS' : `Total ${section.header}`,
      total,
    );
  }
  const netIncome = options.netIncome === undefined ? net : Math.round(Number(options.netIncome) * 100);
  amountRow('TotalRow', 'Net Income', netIncome);
  return `<?xml version="1.0" ?>
<QBXML><QBXMLMsgsRs>
<GeneralSummaryReportQueryRs requestID="${options.requestId ?? 'pl-2025-03'}" statusCode="0" statusSeverity="Info" statusMessage="Status OK">
<ReportRet>
<ReportTitle>Profit &amp; Loss</ReportTitle><ReportSubtitle>March 2025</ReportSubtitle><ReportBasis>Accrual</ReportBasis>
<NumRows>${n}</NumRows><NumColumns>2</NumColumns><NumColTitleRows>1</NumColTitleRows>
<ColDesc colID="1" dataType="STRTYPE"><ColTitle titleRow="1"/><ColType>Label</ColType></ColDesc>
<ColDesc colID="2" dataType="AMTTYPE"><ColTitle titleRow="1" value="TOTAL"/><ColType>Amount</ColType></ColDesc>
<ReportData>
${rows.join('\n')}
</ReportData>
</ReportRet>
</GeneralSummaryReportQueryRs>
</QBXMLMsgsRs></QBXML>
`;
}

/**
 * A Web Connector session on 2025-02-10 that stored January (pnl-simple) and February (pnl-nested, four
 * accounts no default mapping takes): two months with raw responses on file, as `qbwc reprocess` finds them.
 */
export function storeJanuaryAndFebruary(ctx: AppContext): void {
  const work = createQbwcWork(ctx, { now: () => new Date('2025-02-10T12:00:00Z') });
  const session = newSession(ctx);
  work.plan(session);
  work.receive(session, { xml: fixture('pnl-simple.xml'), hresult: '', message: '' });
  work.receive(session, {
    xml: withRequestId(fixture('pnl-nested.xml'), 'pl-2025-02'),
    hresult: '',
    message: '',
  });
}
