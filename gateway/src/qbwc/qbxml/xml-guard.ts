/**
 * XML hardening shared by both layers of Web Connector traffic, which are both untrusted: the SOAP envelope
 * and the qbXML carried inside it as escaped text (`strHCPResponse`, `response`). Both are read through
 * `xml-stream.ts` (saxes), which calls `assertSafeXml` first. The rules (qbwc.md §12.2): no DTD at all
 * (QuickBooks never sends one, and a DTD is the door to XXE and entity-expansion bombs), a size cap, a
 * nesting cap, per-element attribute caps, and only the five predefined entities plus numeric character
 * references (saxes knows no others without a DTD).
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
