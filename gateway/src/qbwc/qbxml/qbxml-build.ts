/**
 * qbXML request documents from fixed templates whose element order follows the 13.0 schema
 * (`qbxml130.xsd`): QuickBooks rejects out-of-order elements with 0x80040400, so nothing here is assembled
 * from object keys or user text.
 */
import { monthRange, type PlanStep } from '../metrics/plan';
import { escapeXml } from './xml-guard';

export type ReportBasis = 'Accrual' | 'Cash';

/** The highest level these templates were validated against (the level qb-bridge prefers to speak). */
export const maxQbXmlVersion = '13.0';
/**
 * The lowest level these templates are valid at: GeneralSummaryReportQuery, ReportRet and EmployeeQuery
 * are unchanged from 7.0 (QuickBooks 2008) on (qbwc.md §6.1). Version negotiation refuses anything below.
 */
export const minQbXmlVersion = '7.0';
const minMajor = Number(minQbXmlVersion.split('.')[0]);

/** Thrown when the QuickBooks side speaks a qbXML level too old for these requests. */
export class QbXmlVersionError extends Error {
  constructor(version: string) {
    super(
      `QuickBooks reports qbXML ${version}, but qb-bridge needs qbXML ${minQbXmlVersion} or later; update QuickBooks Desktop (2008 or newer) and run the Web Connector again`,
    );
    this.name = 'QbXmlVersionError';
  }
}

/** The level to write in `<?qbxml version?>`: the negotiated one, capped at 13.0. */
export function requestVersion(negotiated: string | undefined): string {
  const m = /^\s*(\d+)(?:\.(\d+))?\s*$/.exec(negotiated ?? '');
  if (!m) return maxQbXmlVersion;
  const major = Number(m[1]);
  const minor = Number(m[2] ?? '0');
  if (major < minMajor) throw new QbXmlVersionError(`${major}.${minor}`);
  if (major > 13 || (major === 13 && minor > 0)) return maxQbXmlVersion;
  return `${major}.${minor}`;
}

function envelope(version: string, body: string): string {
  return [
    '<?xml version="1.0" encoding="utf-8"?>',
    `<?qbxml version="${escapeXml(version)}"?>`,
    '<QBXML>',
    '  <QBXMLMsgsRq onError="stopOnError">',
    body,
    '  </QBXMLMsgsRq>',
    '</QBXML>',
    '',
  ].join('\n');
}

export function profitAndLossRequestId(period: string): string {
  return `pl-${period}`;
}

export const employeeRequestId = 'emp-count';

/** One month of ProfitAndLossStandard, a single TOTAL column, on the configured basis. */
export function buildProfitAndLossRequest(period: string, basis: ReportBasis, version: string): string {
  const { from, to } = monthRange(period);
  return envelope(
    version,
    [
      `    <GeneralSummaryReportQueryRq requestID="${escapeXml(profitAndLossRequestId(period))}">`,
      '      <GeneralSummaryReportType>ProfitAndLossStandard</GeneralSummaryReportType>',
      '      <DisplayReport>false</DisplayReport>',
      '      <ReportPeriod>',
      `        <FromReportDate>${from}</FromReportDate>`,
      `        <ToReportDate>${to}</ToReportDate>`,
      '      </ReportPeriod>',
      '      <SummarizeColumnsBy>TotalOnly</SummarizeColumnsBy>',
      `      <ReportBasis>${basis === 'Cash' ? 'Cash' : 'Accrual'}</ReportBasis>`,
      '    </GeneralSummaryReportQueryRq>',
    ].join('\n'),
  );
}

/** Active employees, asking only for ListID and IsActive so no personal data ever leaves QuickBooks. */
export function buildEmployeeRequest(version: string): string {
  return envelope(
    version,
    [
      `    <EmployeeQueryRq requestID="${employeeRequestId}">`,
      '      <ActiveStatus>ActiveOnly</ActiveStatus>',
      '      <IncludeRetElement>ListID</IncludeRetElement>',
      '      <IncludeRetElement>IsActive</IncludeRetElement>',
      '    </EmployeeQueryRq>',
    ].join('\n'),
  );
}

export function requestIdFor(step: PlanStep): string {
  return step.kind === 'profit_loss' ? profitAndLossRequestId(step.period) : employeeRequestId;
}

export function buildRequest(step: PlanStep, basis: ReportBasis, version: string): string {
  return step.kind === 'profit_loss'
    ? buildProfitAndLossRequest(step.period, basis, version)
    : buildEmployeeRequest(version);
}
