import { type X2jOptions, XMLParser } from 'fast-xml-parser';

/**
 * XML hardening shared by both layers of Web Connector traffic, which are both untrusted:
 * the SOAP envelope (parsed by `xml-reader.ts`) and the qbXML carried inside it as escaped text
 * (`strHCPResponse`, `response`; parsed by the qbXML side — `qbxml-parse.ts` — with `parseUntrustedXml`).
 *
 * For colleagues: call `assertSafeXml` (or use `parseUntrustedXml`, which does it) on every qbXML string before
 * handing it to any parser. The rules (qbwc.md §12.2): no DTD at all (QuickBooks never sends one, and a DTD is
 * the door to XXE and entity-expansion bombs), a size cap, a nesting cap, and only the five predefined entities
 * plus numeric character references are decoded.
 */

/** Web Connector bodies can carry several years of P&L data; anything larger is not QuickBooks talking. */
export const maxSoapBodyBytes = 32 * 1024 * 1024;
/** Decoded qbXML is never longer than the body that carried it. */
export const maxQbxmlChars = maxSoapBodyBytes;
/** qbXML and SOAP are shallow (ReportRet rows sit at depth ~7); deep nesting is only ever an attack. */
export const maxXmlDepth = 64;

export type UnsafeXmlReason = 'dtd' | 'too_large' | 'too_deep' | 'malformed';

export class UnsafeXmlError extends Error {
  constructor(
    readonly reason: UnsafeXmlReason,
    message: string,
  ) {
    super(message);
    this.name = 'UnsafeXmlError';
  }
}

const declarationPattern = /<!\s*(DOCTYPE|ENTITY|ELEMENT|ATTLIST|NOTATION)/i;

/** Rejects a DTD (or any markup declaration) and oversized input before any parser sees the text. */
export function assertSafeXml(xml: string, options: { maxChars?: number; what?: string } = {}): void {
  const what = options.what ?? 'XML';
  const maxChars = options.maxChars ?? maxQbxmlChars;
  if (xml.length > maxChars) {
    throw new UnsafeXmlError('too_large', `${what} is ${xml.length} characters; the limit is ${maxChars}`);
  }
  const declaration = declarationPattern.exec(xml);
  if (declaration) {
    throw new UnsafeXmlError(
      'dtd',
      `${what} contains a <!${declaration[1]!.toUpperCase()}> declaration, which is never accepted`,
    );
  }
}

const predefined: Record<string, string> = { lt: '<', gt: '>', amp: '&', quot: '"', apos: "'" };

function isXmlChar(code: number): boolean {
  return (
    code === 0x9 ||
    code === 0xa ||
    code === 0xd ||
    (code >= 0x20 && code <= 0xd7ff) ||
    (code >= 0xe000 && code <= 0xfffd) ||
    (code >= 0x10000 && code <= 0x10ffff)
  );
}

/**
 * Decodes `&lt; &gt; &amp; &quot; &apos;` and `&#NN;`/`&#xHH;` (the .NET client sends `&#xD;` for CR).
 * Any other reference is a well-formedness error: without a DTD no other entity can exist.
 */
export function decodeXmlEntities(text: string): string {
  if (!text.includes('&')) return text;
  if (/&(?![^;&\s<]{1,12};)/.test(text)) {
    throw new UnsafeXmlError('malformed', 'A bare "&" must be written &amp;');
  }
  return text.replace(/&([^;&\s<]{1,12});/g, (whole, name: string) => {
    const named = predefined[name];
    if (named !== undefined) return named;
    const numeric = /^#(?:x([0-9a-fA-F]{1,6})|([0-9]{1,7}))$/.exec(name);
    if (numeric) {
      const code = numeric[1] !== undefined ? Number.parseInt(numeric[1], 16) : Number(numeric[2]);
      if (isXmlChar(code)) return String.fromCodePoint(code);
    }
    throw new UnsafeXmlError('malformed', `Unknown or invalid entity reference ${whole}`);
  });
}

/** fast-xml-parser's pluggable decoder, restricted to `decodeXmlEntities`; a DTD reaching it is an error. */
const strictEntityDecoder: NonNullable<X2jOptions['entityDecoder']> = {
  setExternalEntities(entities) {
    if (Object.keys(entities).length > 0)
      throw new UnsafeXmlError('dtd', 'External entities are not accepted');
  },
  addInputEntities(entities) {
    if (Object.keys(entities).length > 0) throw new UnsafeXmlError('dtd', 'DTD entities are not accepted');
  },
  reset() {},
  decode: decodeXmlEntities,
  setXmlVersion() {},
};

/**
 * Options for parsing untrusted qbXML with fast-xml-parser (qbwc.md §12.3): attributes kept (report data
 * lives in them) without a prefix, values kept as exact strings (ids like `007`, amounts like `80000.00`),
 * our strict entity decoder, a nesting cap. Pass `isArray` etc. as overrides.
 */
export function hardenedXmlParserOptions(overrides: Partial<X2jOptions> = {}): X2jOptions {
  return {
    ignoreAttributes: false,
    attributeNamePrefix: '',
    removeNSPrefix: true,
    parseTagValue: false,
    parseAttributeValue: false,
    trimValues: true,
    processEntities: true,
    entityDecoder: strictEntityDecoder,
    maxNestedTags: maxXmlDepth,
    ...overrides,
  };
}

/** `assertSafeXml`, then fast-xml-parser with `hardenedXmlParserOptions`; parser errors become UnsafeXmlError. */
export function parseUntrustedXml(
  xml: string,
  options: { parser?: Partial<X2jOptions>; maxChars?: number; what?: string } = {},
): unknown {
  assertSafeXml(xml, options);
  try {
    return new XMLParser(hardenedXmlParserOptions(options.parser)).parse(xml);
  } catch (error) {
    if (error instanceof UnsafeXmlError) throw error;
    const message = error instanceof Error ? error.message : String(error);
    const reason = /nested/i.test(message) ? 'too_deep' : 'malformed';
    throw new UnsafeXmlError(reason, `${options.what ?? 'XML'} could not be parsed: ${message}`);
  }
}

const escapes: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&apos;',
};

/** Replaces what XML 1.0 cannot carry at all (most C0 controls, U+FFFE/U+FFFF, lone surrogates) with U+FFFD. */
function xmlSafeCharacters(text: string): string {
  let out = '';
  let from = 0;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    let bad =
      (code < 0x20 && code !== 0x9 && code !== 0xa && code !== 0xd) || code === 0xfffe || code === 0xffff;
    if (code >= 0xd800 && code <= 0xdbff) {
      const next = text.charCodeAt(i + 1);
      if (next >= 0xdc00 && next <= 0xdfff) {
        i++;
        continue;
      }
      bad = true;
    } else if (code >= 0xdc00 && code <= 0xdfff) bad = true;
    if (bad) {
      out += `${text.slice(from, i)}\uFFFD`;
      from = i + 1;
    }
  }
  return from === 0 ? text : out + text.slice(from);
}

/**
 * Escapes text for an element or attribute value. Unrepresentable characters become U+FFFD so one odd
 * account name cannot make a whole response unreadable to the Web Connector.
 */
export function escapeXml(text: string): string {
  return xmlSafeCharacters(text).replace(/[&<>"']/g, (c) => escapes[c]!);
}
