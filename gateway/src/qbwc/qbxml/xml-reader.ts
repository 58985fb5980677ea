import { malformed, streamXml, type XmlStreamOptions } from './xml-stream';

export {
  maxAttributesPerElement,
  maxNamespaceDeclarationsPerElement,
} from './xml-stream';

/**
 * Reads a SOAP envelope or a small qbXML document (the HCP response, our own requests) into a tree, through
 * `xml-stream.ts` (saxes with our caps). Large reports are not read this way: `qbxml-parse.ts` streams them.
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

export type ReadXmlOptions = Omit<XmlStreamOptions, 'namespaces'>;

interface Open {
  element: XmlElement;
  text: string[];
}

/** Parses a whole document and returns its root element; throws UnsafeXmlError on anything doubtful. */
export function readXml(xml: string, options: ReadXmlOptions = {}): XmlElement {
  const stack: Open[] = [];
  let root: XmlElement | undefined;
  streamXml(
    xml,
    { ...options, namespaces: true },
    {
      open(name, ns, attrs) {
        const element: XmlElement = { name, ns, attrs, children: [], text: '' };
        const parent = stack[stack.length - 1];
        if (parent) parent.element.children.push(element);
        else root = element;
        stack.push({ element, text: [] });
      },
      text(text) {
        stack[stack.length - 1]?.text.push(text);
      },
      close() {
        const open = stack.pop()!;
        open.element.text = open.text.length === 1 ? open.text[0]! : open.text.join('');
      },
    },
  );
  if (!root) throw malformed(options.what ?? 'XML', 'no root element');
  return root;
}

/** Children with a given local name (any namespace unless `ns` is given). */
export function childrenNamed(element: XmlElement, name: string, ns?: string): XmlElement[] {
  return element.children.filter((c) => c.name === name && (ns === undefined || c.ns === ns));
}

export function firstChild(element: XmlElement, name: string, ns?: string): XmlElement | undefined {
  return element.children.find((c) => c.name === name && (ns === undefined || c.ns === ns));
}
