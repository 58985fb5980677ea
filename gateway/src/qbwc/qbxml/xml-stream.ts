import { type SaxesAttributeNS, type SaxesOptions, SaxesParser, type SaxesTag, type SaxesTagNS } from 'saxes';
import { assertSafeXml, maxXmlDepth, UnsafeXmlError } from './xml-guard';

/**
 * Every piece of Web Connector XML we read (the SOAP envelope, the HCP response, qbXML reports) goes through
 * `saxes` — a maintained, strict, streaming parser (well-formedness, the five predefined entities plus
 * character references only, duplicate attributes caught in linear time) — with our limits on top: no DTD,
 * a size cap, a nesting cap, and caps on attributes and namespace declarations per element, checked as each
 * attribute arrives so a hostile start tag is refused after a bounded amount of work.
 */

/** qbXML elements carry at most a handful of attributes and a SOAP envelope a few; far more is an attack. */
export const maxAttributesPerElement = 64;
/** A Web Connector envelope declares 3-4 namespaces, other SOAP stacks a few more. */
export const maxNamespaceDeclarationsPerElement = 16;

export interface XmlStreamOptions {
  maxChars?: number;
  /** SOAP 1.1 forbids processing instructions; qbXML carries `<?qbxml …?>`. */
  allowProcessingInstructions?: boolean;
  what?: string;
  /**
   * true: names resolved against their namespace declarations (an undeclared prefix is an error), `ns` set.
   * false: prefixes are dropped from element and attribute names and `ns` is '' (qbXML has no namespaces).
   */
  namespaces: boolean;
}

export interface XmlStreamHandlers {
  /** Attributes keyed `{ns}local` when namespaced (xsi:nil), plain local otherwise; xmlns declarations left out. */
  open(name: string, ns: string, attrs: Record<string, string>): void;
  /** Text and CDATA, entities decoded, in pieces (an element's text may arrive in several). */
  text(text: string): void;
  close(): void;
}

const xmlnsNs = 'http://www.w3.org/2000/xmlns/';

export function malformed(what: string, message: string): UnsafeXmlError {
  return new UnsafeXmlError('malformed', `${what} is not well-formed XML: ${message}`);
}

function local(name: string): string {
  return name.slice(name.indexOf(':') + 1);
}

function isNamespaceDeclaration(name: string): boolean {
  return name === 'xmlns' || name.startsWith('xmlns:');
}

function namespacedAttrs(attributes: Record<string, SaxesAttributeNS>): Record<string, string> {
  const attrs: Record<string, string> = {};
  for (const attr of Object.values(attributes)) {
    if (isNamespaceDeclaration(attr.name)) continue;
    const ns = attr.prefix === '' ? '' : attr.uri;
    attrs[ns && ns !== xmlnsNs ? `{${ns}}${attr.local}` : attr.local] = attr.value;
  }
  return attrs;
}

function plainAttrs(attributes: Record<string, string>): Record<string, string> {
  const attrs: Record<string, string> = {};
  for (const name in attributes) {
    if (!isNamespaceDeclaration(name)) attrs[local(name)] = attributes[name]!;
  }
  return attrs;
}

/** Counts one start tag's attributes as saxes reports them, refusing the tag past either cap. */
function attributeCounter(what: string) {
  let attributes = 0;
  let declarations = 0;
  return {
    reset() {
      attributes = 0;
      declarations = 0;
    },
    count(name: string) {
      if (++attributes > maxAttributesPerElement) {
        throw malformed(what, `an element has more than ${maxAttributesPerElement} attributes`);
      }
      if (isNamespaceDeclaration(name) && ++declarations > maxNamespaceDeclarationsPerElement) {
        throw malformed(
          what,
          `an element declares more than ${maxNamespaceDeclarationsPerElement} namespaces`,
        );
      }
    },
  };
}

/** saxes' message without its `line:col:` prefix (positions go to the log, the sentence to the user). */
export function saxesReason(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return message.replace(/^[^:]*:?\d+:\d+:\s*/, '');
}

/** The parser with our rules wired in; `handlers` see elements, text and ends in document order. */
function guardedParser(what: string, options: XmlStreamOptions, handlers: XmlStreamHandlers) {
  const parser = new SaxesParser<SaxesOptions>({ xmlns: options.namespaces, position: false });
  let depth = 0;
  const counter = attributeCounter(what);
  parser.on('doctype', () => {
    throw new UnsafeXmlError('dtd', `${what} contains a <!DOCTYPE> declaration, which is never accepted`);
  });
  parser.on('processinginstruction', (pi) => {
    if (!options.allowProcessingInstructions) {
      throw malformed(what, `processing instruction <?${pi.target}?> is not allowed`);
    }
  });
  parser.on('opentagstart', () => {
    if (depth >= maxXmlDepth) {
      throw new UnsafeXmlError('too_deep', `${what} nests elements deeper than ${maxXmlDepth} levels`);
    }
    counter.reset();
  });
  parser.on('attribute', (attr) => counter.count(attr.name));
  parser.on('opentag', (tag: SaxesTag) => {
    depth++;
    if (options.namespaces) {
      const ns = tag as SaxesTagNS;
      handlers.open(ns.local, ns.uri, namespacedAttrs(ns.attributes));
    } else {
      handlers.open(local(tag.name), '', plainAttrs(tag.attributes as Record<string, string>));
    }
  });
  parser.on('text', handlers.text);
  parser.on('cdata', handlers.text);
  parser.on('closetag', () => {
    depth--;
    handlers.close();
  });
  return parser;
}

/**
 * Streams a whole document through `handlers`; throws UnsafeXmlError on anything doubtful (saxes' own
 * complaint becomes its message). A handler may throw to stop early; its error passes through unchanged.
 */
export function streamXml(xml: string, options: XmlStreamOptions, handlers: XmlStreamHandlers): void {
  const what = options.what ?? 'XML';
  assertSafeXml(xml, { maxChars: options.maxChars, what });
  const parser = guardedParser(what, options, handlers);
  try {
    parser.write(xml.charCodeAt(0) === 0xfeff ? xml.slice(1) : xml).close();
  } catch (error) {
    if (!(error instanceof Error) || error.constructor !== Error) throw error;
    throw malformed(what, saxesReason(error));
  }
}
