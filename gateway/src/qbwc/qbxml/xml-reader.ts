import { type SaxesAttributeNS, SaxesParser, type SaxesTagNS } from 'saxes';
import { assertSafeXml, maxXmlDepth, UnsafeXmlError } from './xml-guard';

/**
 * Reads a SOAP envelope or a small qbXML document (the HCP response, our own requests) into a tree, on
 * `saxes` — a maintained, strict, namespace-aware streaming parser (well-formedness, entity and duplicate
 * attribute checks in linear time) — with our own limits on top: no DTD, a size cap, a nesting cap, and caps
 * on attributes and namespace declarations per element, checked as each attribute arrives so a hostile start
 * tag is refused after a bounded amount of work.
 */
export interface XmlElement {
  /** Local name (prefix removed). */
  name: string;
  /** Namespace URI, '' when none. */
  ns: string;
  /** Keyed `{ns}local` when namespaced (xsi:nil), plain local otherwise; namespace declarations left out. */
  attrs: Record<string, string>;
  children: XmlElement[];
  /** The element's own text (CDATA included), entities decoded. */
  text: string;
}

export interface ReadXmlOptions {
  maxChars?: number;
  /** SOAP 1.1 forbids processing instructions; qbXML carries `<?qbxml …?>`. */
  allowProcessingInstructions?: boolean;
  what?: string;
}

/** qbXML elements carry at most a handful of attributes and a SOAP envelope a few; far more is an attack. */
export const maxAttributesPerElement = 64;
/** A Web Connector envelope declares 3-4 namespaces, other SOAP stacks a few more. */
export const maxNamespaceDeclarationsPerElement = 16;

const xmlnsNs = 'http://www.w3.org/2000/xmlns/';

interface Open {
  element: XmlElement;
  text: string[];
}

function malformed(what: string, message: string): UnsafeXmlError {
  return new UnsafeXmlError('malformed', `${what} is not well-formed XML: ${message}`);
}

function isNamespaceDeclaration(attr: { name: string; prefix: string }): boolean {
  return attr.name === 'xmlns' || attr.prefix === 'xmlns';
}

function toElement(tag: SaxesTagNS): XmlElement {
  const attrs: Record<string, string> = {};
  for (const attr of Object.values(tag.attributes) as SaxesAttributeNS[]) {
    if (isNamespaceDeclaration(attr)) continue;
    const ns = attr.prefix === '' ? '' : attr.uri;
    attrs[ns && ns !== xmlnsNs ? `{${ns}}${attr.local}` : attr.local] = attr.value;
  }
  return { name: tag.local, ns: tag.uri, attrs, children: [], text: '' };
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
    count(attr: { name: string; prefix: string }) {
      if (++attributes > maxAttributesPerElement) {
        throw malformed(what, `an element has more than ${maxAttributesPerElement} attributes`);
      }
      if (isNamespaceDeclaration(attr) && ++declarations > maxNamespaceDeclarationsPerElement) {
        throw malformed(
          what,
          `an element declares more than ${maxNamespaceDeclarationsPerElement} namespaces`,
        );
      }
    },
  };
}

/** The parser with our rules wired in; the tree is built into `stack`/`done`. */
function treeParser(what: string, options: ReadXmlOptions) {
  const parser = new SaxesParser({ xmlns: true, position: false });
  const stack: Open[] = [];
  let root: XmlElement | undefined;
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
    if (stack.length >= maxXmlDepth) {
      throw new UnsafeXmlError('too_deep', `${what} nests elements deeper than ${maxXmlDepth} levels`);
    }
    counter.reset();
  });
  parser.on('attribute', (attr) => counter.count(attr));
  parser.on('opentag', (tag) => {
    const element = toElement(tag);
    const parent = stack[stack.length - 1];
    if (parent) parent.element.children.push(element);
    else root = element;
    stack.push({ element, text: [] });
  });
  const appendText = (text: string) => stack[stack.length - 1]?.text.push(text);
  parser.on('text', appendText);
  parser.on('cdata', appendText);
  parser.on('closetag', () => {
    const open = stack.pop()!;
    open.element.text = open.text.length === 1 ? open.text[0]! : open.text.join('');
  });
  return { parser, root: () => root };
}

/** Parses a whole document and returns its root element; throws UnsafeXmlError on anything doubtful. */
export function readXml(xml: string, options: ReadXmlOptions = {}): XmlElement {
  const what = options.what ?? 'XML';
  assertSafeXml(xml, { maxChars: options.maxChars, what });
  const { parser, root } = treeParser(what, options);
  try {
    parser.write(xml.charCodeAt(0) === 0xfeff ? xml.slice(1) : xml).close();
  } catch (error) {
    if (error instanceof UnsafeXmlError) throw error;
    throw malformed(what, saxesReason(error));
  }
  const element = root();
  if (!element) throw malformed(what, 'no root element');
  return element;
}

/** saxes' message without its `file:line:col:` prefix (positions are off; the message is the point). */
export function saxesReason(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return message.replace(/^[^:]*:\d+:\d+:\s*/, '');
}

/** Children with a given local name (any namespace unless `ns` is given). */
export function childrenNamed(element: XmlElement, name: string, ns?: string): XmlElement[] {
  return element.children.filter((c) => c.name === name && (ns === undefined || c.ns === ns));
}

export function firstChild(element: XmlElement, name: string, ns?: string): XmlElement | undefined {
  return element.children.find((c) => c.name === name && (ns === undefined || c.ns === ns));
}
