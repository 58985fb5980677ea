/**
 * Turns any QuickBooks error body into one shape. QBO answers faults in three dialects (qbo-api.md §9.1):
 * JSON `{"Fault":{"Error":[…],"type"}}`, the 401 envelope with lowercase keys `{"fault":{"error":[…]}}`,
 * and XML `<IntuitResponse><Fault type><Error code>` — the XML one even for JSON clients (throttling) and
 * sometimes malformed (a missing `</Error>`). The XML is read with tolerant patterns rather than a strict
 * parser precisely because the malformed variant must still yield its code and message.
 */

export interface QboFaultError {
  /** Always a string ("6240"), as QBO sends it in JSON. */
  code: string;
  message: string;
  detail: string;
  element: string;
}

export interface ParsedFault {
  faultType: string;
  errors: QboFaultError[];
}

const text = (value: unknown): string =>
  typeof value === 'string' ? value : typeof value === 'number' ? String(value) : '';

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function asArray(value: unknown): unknown[] {
  if (Array.isArray(value)) return value;
  return value === undefined || value === null ? [] : [value];
}

/** Reads a fault object whose keys may be capitalised (`Fault`) or lowercase (`fault`). */
export function faultFromObject(fault: unknown): ParsedFault | undefined {
  if (!isRecord(fault)) return undefined;
  const list = asArray(fault.Error ?? fault.error);
  const errors: QboFaultError[] = [];
  for (const item of list) {
    if (!isRecord(item)) continue;
    errors.push({
      code: text(item.code ?? item.Code),
      message: text(item.Message ?? item.message),
      detail: text(item.Detail ?? item.detail),
      element: text(item.element ?? item.Element),
    });
  }
  return { faultType: text(fault.type ?? fault.Type), errors };
}

const entities: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };

function decodeXml(value: string): string {
  return value
    .replace(/<!\[CDATA\[([\s\S]*?)\]\]>/g, '$1')
    .replace(/&(amp|lt|gt|quot|apos|#\d+|#x[0-9a-f]+);/gi, (whole, name: string) => {
      if (name.startsWith('#x') || name.startsWith('#X'))
        return String.fromCodePoint(parseInt(name.slice(2), 16));
      if (name.startsWith('#')) return String.fromCodePoint(Number(name.slice(1)));
      return entities[name.toLowerCase()] ?? whole;
    })
    .trim();
}

function attribute(tag: string, name: string): string {
  const match = new RegExp(`\\b${name}\\s*=\\s*"([^"]*)"`, 'i').exec(tag);
  return match ? decodeXml(match[1]!) : '';
}

function childText(segment: string, name: string): string {
  const match = new RegExp(`<${name}\\b[^>]*>([\\s\\S]*?)</${name}\\s*>`, 'i').exec(segment);
  return match ? decodeXml(match[1]!) : '';
}

/** Reads `<Fault>` out of an XML body; each `<Error>` runs until the next `<Error` or the end of the fault. */
export function faultFromXml(xml: string): ParsedFault | undefined {
  const faultTag = /<Fault\b[^>]*>/i.exec(xml);
  if (!faultTag) return undefined;
  const body = xml.slice(faultTag.index + faultTag[0].length);
  const errors: QboFaultError[] = [];
  const starts = [...body.matchAll(/<Error\b[^>]*>/gi)];
  starts.forEach((start, i) => {
    const from = start.index + start[0].length;
    const next = starts[i + 1]?.index ?? body.search(/<\/Fault\s*>/i);
    const segment = body.slice(from, next === -1 ? undefined : next);
    errors.push({
      code: attribute(start[0], 'code'),
      message: childText(segment, 'Message'),
      detail: childText(segment, 'Detail'),
      element: attribute(start[0], 'element'),
    });
  });
  return { faultType: attribute(faultTag[0], 'type'), errors };
}

/**
 * Parses a response body into a fault, whatever its dialect; `undefined` when the body holds no fault
 * (an HTML gateway page, an empty body, a success body).
 */
export function parseFault(body: string): ParsedFault | undefined {
  const trimmed = body.trim();
  if (trimmed === '') return undefined;
  if (trimmed.startsWith('{')) {
    let json: unknown;
    try {
      json = JSON.parse(trimmed);
    } catch {
      return undefined;
    }
    if (!isRecord(json)) return undefined;
    const fault = json.Fault ?? json.fault;
    if (fault !== undefined && fault !== null) return faultFromObject(fault);
    // The OAuth endpoints answer `{"error":"invalid_grant","error_description":"…"}`.
    if (typeof json.error === 'string') {
      return {
        faultType: 'OAuth',
        errors: [
          { code: json.error, message: json.error, detail: text(json.error_description), element: '' },
        ],
      };
    }
    return undefined;
  }
  if (trimmed.startsWith('<')) return faultFromXml(trimmed);
  return undefined;
}

/** The existing transaction named by a 6140 Detail: "DocNumber=O0010714 is assigned to TxnType=Invoice with TxnId=45823". */
export function duplicateDocNumberTarget(
  detail: string,
): { docNumber?: string; txnType?: string; txnId: string } | undefined {
  const id = /TxnId\s*=\s*(\d+)/i.exec(detail);
  if (!id) return undefined;
  const doc = /DocNumber\s*=\s*(\S+)/i.exec(detail);
  const type = /TxnType\s*=\s*(\w+)/i.exec(detail);
  return { txnId: id[1]!, docNumber: doc?.[1], txnType: type?.[1] };
}
