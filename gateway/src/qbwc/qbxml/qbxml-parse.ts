/**
 * Inner qbXML responses → typed values. The text is untrusted (it arrives inside a SOAP body), so it is
 * streamed through `xml-stream.ts` (saxes with our caps: no DTD, size, depth and attribute limits, strict
 * entities), and report rows are built as their elements go by: a 10 MB P&L never exists as a tree.
 * Rows may come in any order; their order is restored from `rowNumber`.
 */
import { UnsafeXmlError } from './xml-guard';
import { streamXml } from './xml-stream';

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

/**
 * The response could not be read at all. The message says what was wrong in words (it reaches the user
 * through getLastError and the history); `detail` keeps the parser's own complaint for the log.
 */
export class QbXmlParseError extends Error {
  constructor(
    message: string,
    readonly detail?: string,
  ) {
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

const what = 'The QuickBooks response';

/** What was wrong, in words a user can pass on; the parser's own message stays in `detail` (the log). */
function unreadable(error: UnsafeXmlError): QbXmlParseError {
  const words: Record<UnsafeXmlError['reason'], string> = {
    malformed:
      "QuickBooks' response is not well-formed XML (it may have been cut off or damaged on the way), so none of it was used; the qb-bridge log has the details",
    dtd: "QuickBooks' response contains a DTD declaration, which is never accepted, so none of it was used",
    too_large: "QuickBooks' response is larger than qb-bridge accepts, so none of it was used",
    too_deep: "QuickBooks' response nests elements deeper than any real report, so none of it was used",
  };
  return new QbXmlParseError(words[error.reason], error.message);
}

const rowTypeSet: ReadonlySet<string> = new Set(rowTypes);

/**
 * A streaming reader for one kind of `…Rs` in `QBXML/QBXMLMsgsRs`: it follows the element path, picks the
 * response answering `requestId` (or the first), and hands the elements inside it to `inside`, which
 * builds the typed result. Only the picked response's content is looked at; text is collected only for
 * the elements `inside` asks for.
 */
interface RsVisitor {
  /** `path` is relative to the picked …Rs (its first entry is the child of …Rs). */
  open(path: readonly string[], attrs: Record<string, string>): 'text' | undefined;
  /** The text of an element `open` asked text for, trimmed. */
  text(path: readonly string[], text: string): void;
}

function readResponse(
  xml: string,
  tag: string,
  requestId: string | undefined,
  inside: RsVisitor,
): Record<string, string> {
  const path: string[] = [];
  let sawMsgs = false;
  const seenIds: string[] = [];
  let picked: Record<string, string> | undefined;
  let pickedDepth = -1;
  let textFor = -1;
  let text: string[] = [];
  try {
    streamXml(
      xml,
      { what, allowProcessingInstructions: true, namespaces: false },
      {
        open(name, _ns, attrs) {
          path.push(name);
          const depth = path.length;
          if (depth === 2 && path[0] === 'QBXML' && name === 'QBXMLMsgsRs') sawMsgs = true;
          if (depth === 3 && sawMsgs && path[1] === 'QBXMLMsgsRs' && name === tag) {
            seenIds.push(attrs.requestID ?? '(none)');
            const wanted = requestId === undefined ? picked === undefined : attrs.requestID === requestId;
            if (wanted && picked === undefined) {
              picked = attrs;
              pickedDepth = depth;
            }
            return;
          }
          if (pickedDepth > 0 && depth > pickedDepth && path[pickedDepth - 1] === tag && textFor < 0) {
            if (inside.open(path.slice(pickedDepth), attrs) === 'text') {
              textFor = depth;
              text = [];
            }
          }
        },
        text(piece) {
          if (textFor > 0) text.push(piece);
        },
        close() {
          if (textFor === path.length) {
            inside.text(path.slice(pickedDepth), text.join('').trim());
            textFor = -1;
          }
          if (path.length === pickedDepth) pickedDepth = -1;
          path.pop();
        },
      },
    );
  } catch (error) {
    if (error instanceof UnsafeXmlError) throw unreadable(error);
    throw error;
  }
  if (!sawMsgs) throw new QbXmlParseError('The QuickBooks response has no <QBXML><QBXMLMsgsRs> element');
  if (seenIds.length === 0) throw new QbXmlParseError(`The QuickBooks response has no <${tag}> element`);
  if (!picked) {
    throw new QbXmlParseError(
      `The QuickBooks response answers request ${seenIds.join(', ')}, not ${requestId}; the Web Connector sent responses out of order`,
    );
  }
  return picked;
}

function readStatus(rs: Record<string, string>): QbStatus {
  const codeText = rs.statusCode ?? '';
  if (!/^-?\d+$/.test(codeText)) throw new QbXmlParseError(`statusCode "${codeText}" is not a number`);
  const severity = rs.statusSeverity ?? '';
  if (severity !== 'Info' && severity !== 'Warn' && severity !== 'Error') {
    throw new QbXmlParseError(`statusSeverity "${severity}" is not Info, Warn or Error`);
  }
  return {
    requestId: rs.requestID ?? null,
    code: Number(codeText),
    severity,
    message: rs.statusMessage ?? '',
  };
}

function startRow(type: RowType, attrs: Record<string, string>): ReportRow {
  const numberText = attrs.rowNumber ?? '';
  if (!/^\d+$/.test(numberText)) {
    throw new QbXmlParseError(`A ${type} has rowNumber "${numberText}"; every report row needs one`);
  }
  const row: ReportRow = { type, rowNumber: Number(numberText), cells: {} };
  if (type === 'TextRow') row.text = attrs.value ?? '';
  return row;
}

function sortRows(rows: ReportRow[]): ReportRow[] {
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

/** Builds a Report from the elements under `ReportRet` as they stream by. */
function reportVisitor() {
  let report: Report | null = null;
  let column: ReportColumn | undefined;
  let row: ReportRow | undefined;
  const visitor: RsVisitor = {
    open(path, attrs) {
      const [ret, section, item, part] = path;
      if (ret !== 'ReportRet') return undefined;
      if (path.length === 1) {
        report = { title: '', subtitle: '', basis: null, columns: [], rows: [] };
        return undefined;
      }
      if (path.length === 2) {
        if (section === 'ColDesc') {
          column = { colId: attrs.colID ?? '', dataType: attrs.dataType ?? '', colType: '', titles: [] };
          report!.columns.push(column);
        }
        return section === 'ReportTitle' || section === 'ReportSubtitle' || section === 'ReportBasis'
          ? 'text'
          : undefined;
      }
      if (section === 'ColDesc' && path.length === 3) {
        if (item === 'ColTitle' && attrs.value) column!.titles.push(attrs.value);
        return item === 'ColType' ? 'text' : undefined;
      }
      if (section !== 'ReportData') return undefined;
      if (path.length === 3 && rowTypeSet.has(item!)) {
        row = startRow(item as RowType, attrs);
        report!.rows.push(row);
      } else if (path.length === 4 && row && rowTypeSet.has(item!)) {
        if (part === 'RowData') row.rowData = { rowType: attrs.rowType ?? '', value: attrs.value ?? '' };
        else if (part === 'ColData' && attrs.colID !== undefined) row.cells[attrs.colID] = attrs.value ?? '';
      }
      return undefined;
    },
    text(path, text) {
      const [, section, item] = path;
      if (section === 'ReportTitle') report!.title = text;
      else if (section === 'ReportSubtitle') report!.subtitle = text;
      else if (section === 'ReportBasis') report!.basis = text;
      else if (section === 'ColDesc' && item === 'ColType') column!.colType = text;
    },
  };
  return { visitor, report: (): Report | null => report };
}

/** A GeneralSummaryReportQueryRs; `report` is null when QuickBooks sent status only. */
export function parseReportResponse(xml: string, requestId?: string): ReportResponse {
  const built = reportVisitor();
  const rs = readResponse(xml, 'GeneralSummaryReportQueryRs', requestId, built.visitor);
  const status = readStatus(rs);
  const report = built.report();
  if (!report) return { status, report: null };
  if (report.columns.length === 0) throw new QbXmlParseError('The report has no ColDesc columns');
  report.rows = sortRows(report.rows);
  return { status, report };
}

/** An EmployeeQueryRs; status 1 ("none found") arrives with no EmployeeRet at all. */
export function parseEmployeeResponse(xml: string, requestId?: string): EmployeeResponse {
  const employees: EmployeeRecord[] = [];
  const rs = readResponse(xml, 'EmployeeQueryRs', requestId, {
    open(path) {
      if (path[0] !== 'EmployeeRet') return undefined;
      if (path.length === 1) employees.push({ listId: '', isActive: true });
      return path.length === 2 && (path[1] === 'ListID' || path[1] === 'IsActive') ? 'text' : undefined;
    },
    text(path, text) {
      const employee = employees[employees.length - 1]!;
      if (path[1] === 'ListID') employee.listId = text;
      else employee.isActive = text.toLowerCase() !== 'false';
    },
  });
  return { status: readStatus(rs), employees };
}
