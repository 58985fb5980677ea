/**
 * Inner qbXML responses → typed values. The text is untrusted (it arrives inside a SOAP body), so it goes
 * through the shell's hardened parser (`xml-guard.ts`: no DTD, size and depth caps, strict entities).
 * Report rows come back grouped by tag; their order is restored from `rowNumber`.
 */
import { parseUntrustedXml, UnsafeXmlError } from './xml-guard';

export type StatusSeverity = 'Info' | 'Warn' | 'Error';
/** 0 ok; 1 "no matching object" (an empty answer, not an error); 500-999 warnings; ≥ 1000 errors. */
export type StatusClass = 'ok' | 'empty' | 'warning' | 'error';

export interface QbStatus {
  requestId: string | null;
  code: number;
  severity: StatusSeverity;
  message: string;
}

export function classifyStatus(status: QbStatus): StatusClass {
  if (status.code === 0) return 'ok';
  if (status.code === 1) return 'empty';
  if (status.severity === 'Error' || status.code >= 1000) return 'error';
  if (status.code >= 500 || status.severity === 'Warn') return 'warning';
  return 'ok';
}

/** The response could not be read at all; the message says what was wrong with it. */
export class QbXmlParseError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'QbXmlParseError';
  }
}

export type RowType = 'TextRow' | 'DataRow' | 'SubtotalRow' | 'TotalRow';
const rowTypes: readonly RowType[] = ['TextRow', 'DataRow', 'SubtotalRow', 'TotalRow'];

export interface ReportColumn {
  colId: string;
  dataType: string;
  colType: string;
  titles: string[];
}

export interface ReportRow {
  type: RowType;
  rowNumber: number;
  /** TextRow's own `value`. */
  text?: string;
  /** RowData: for account rows `rowType="account"` and the account's full name (`Parent:Child`). */
  rowData?: { rowType: string; value: string };
  /** ColData by colID; a missing cell is a blank cell. */
  cells: Record<string, string>;
}

export interface Report {
  title: string;
  subtitle: string;
  basis: string | null;
  columns: ReportColumn[];
  rows: ReportRow[];
}

export interface ReportResponse {
  status: QbStatus;
  report: Report | null;
}

export interface EmployeeRecord {
  listId: string;
  isActive: boolean;
}

export interface EmployeeResponse {
  status: QbStatus;
  employees: EmployeeRecord[];
}

type Node = Record<string, unknown>;

const arrayTags = new Set([
  'GeneralSummaryReportQueryRs',
  'EmployeeQueryRs',
  'ColDesc',
  'ColTitle',
  'DataRow',
  'TextRow',
  'SubtotalRow',
  'TotalRow',
  'ColData',
  'EmployeeRet',
]);

function isNode(value: unknown): value is Node {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function asArray(value: unknown): unknown[] {
  if (value === undefined) return [];
  return Array.isArray(value) ? value : [value];
}

function text(value: unknown): string {
  if (typeof value === 'string') return value;
  if (isNode(value) && typeof value['#text'] === 'string') return value['#text'];
  return '';
}

function attr(node: Node, name: string): string | undefined {
  const v = node[name];
  return typeof v === 'string' ? v : undefined;
}

function parseDocument(xml: string): Node {
  let doc: unknown;
  try {
    doc = parseUntrustedXml(xml, {
      what: 'The QuickBooks response',
      parser: { isArray: (name) => arrayTags.has(name), ignoreDeclaration: true, ignorePiTags: true },
    });
  } catch (error) {
    if (error instanceof UnsafeXmlError) throw new QbXmlParseError(error.message);
    throw error;
  }
  const msgs = isNode(doc) && isNode(doc.QBXML) ? doc.QBXML.QBXMLMsgsRs : undefined;
  if (!isNode(msgs)) {
    throw new QbXmlParseError('The QuickBooks response has no <QBXML><QBXMLMsgsRs> element');
  }
  return msgs;
}

/** Picks the …Rs answering `requestId` (or the only one) from a message set. */
function pickResponse(msgs: Node, tag: string, requestId: string | undefined): Node {
  const all = asArray(msgs[tag]).filter(isNode);
  if (all.length === 0) throw new QbXmlParseError(`The QuickBooks response has no <${tag}> element`);
  if (requestId === undefined) return all[0]!;
  const match = all.find((rs) => attr(rs, 'requestID') === requestId);
  if (!match) {
    const got = all.map((rs) => attr(rs, 'requestID') ?? '(none)').join(', ');
    throw new QbXmlParseError(
      `The QuickBooks response answers request ${got}, not ${requestId}; the Web Connector sent responses out of order`,
    );
  }
  return match;
}

function readStatus(rs: Node): QbStatus {
  const codeText = attr(rs, 'statusCode') ?? '';
  if (!/^-?\d+$/.test(codeText)) throw new QbXmlParseError(`statusCode "${codeText}" is not a number`);
  const severity = attr(rs, 'statusSeverity') ?? '';
  if (severity !== 'Info' && severity !== 'Warn' && severity !== 'Error') {
    throw new QbXmlParseError(`statusSeverity "${severity}" is not Info, Warn or Error`);
  }
  return {
    requestId: attr(rs, 'requestID') ?? null,
    code: Number(codeText),
    severity,
    message: attr(rs, 'statusMessage') ?? '',
  };
}

function readRows(reportData: unknown): ReportRow[] {
  if (!isNode(reportData)) return [];
  const rows: ReportRow[] = [];
  for (const type of rowTypes) {
    for (const raw of asArray(reportData[type])) {
      const node = isNode(raw) ? raw : {};
      const numberText = attr(node, 'rowNumber') ?? '';
      if (!/^\d+$/.test(numberText)) {
        throw new QbXmlParseError(`A ${type} has rowNumber "${numberText}"; every report row needs one`);
      }
      const row: ReportRow = { type, rowNumber: Number(numberText), cells: {} };
      const value = attr(node, 'value');
      if (type === 'TextRow') row.text = value ?? '';
      const rowData = node.RowData;
      if (isNode(rowData)) {
        row.rowData = { rowType: attr(rowData, 'rowType') ?? '', value: attr(rowData, 'value') ?? '' };
      }
      for (const cell of asArray(node.ColData)) {
        if (!isNode(cell)) continue;
        const colId = attr(cell, 'colID');
        if (colId !== undefined) row.cells[colId] = attr(cell, 'value') ?? '';
      }
      rows.push(row);
    }
  }
  rows.sort((a, b) => a.rowNumber - b.rowNumber);
  for (let i = 1; i < rows.length; i++) {
    if (rows[i]!.rowNumber === rows[i - 1]!.rowNumber) {
      throw new QbXmlParseError(
        `Two report rows share rowNumber ${rows[i]!.rowNumber}; the order is unknowable`,
      );
    }
  }
  return rows;
}

function readReport(ret: Node): Report {
  const columns: ReportColumn[] = asArray(ret.ColDesc)
    .filter(isNode)
    .map((c) => ({
      colId: attr(c, 'colID') ?? '',
      dataType: attr(c, 'dataType') ?? '',
      colType: text(c.ColType),
      titles: asArray(c.ColTitle)
        .filter(isNode)
        .map((t) => attr(t, 'value') ?? '')
        .filter((t) => t !== ''),
    }));
  if (columns.length === 0) throw new QbXmlParseError('The report has no ColDesc columns');
  return {
    title: text(ret.ReportTitle),
    subtitle: text(ret.ReportSubtitle),
    basis: ret.ReportBasis === undefined ? null : text(ret.ReportBasis),
    columns,
    rows: readRows(ret.ReportData),
  };
}

/** A GeneralSummaryReportQueryRs; `report` is null when QuickBooks sent status only. */
export function parseReportResponse(xml: string, requestId?: string): ReportResponse {
  const rs = pickResponse(parseDocument(xml), 'GeneralSummaryReportQueryRs', requestId);
  const status = readStatus(rs);
  const ret = rs.ReportRet;
  return { status, report: isNode(ret) ? readReport(ret) : null };
}

/** An EmployeeQueryRs; status 1 ("none found") arrives with no EmployeeRet at all. */
export function parseEmployeeResponse(xml: string, requestId?: string): EmployeeResponse {
  const rs = pickResponse(parseDocument(xml), 'EmployeeQueryRs', requestId);
  const status = readStatus(rs);
  const employees = asArray(rs.EmployeeRet)
    .filter(isNode)
    .map((e) => ({ listId: text(e.ListID), isActive: text(e.IsActive).toLowerCase() !== 'false' }));
  return { status, employees };
}
