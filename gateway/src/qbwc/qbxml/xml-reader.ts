import { assertSafeXml, decodeXmlEntities, maxXmlDepth, UnsafeXmlError } from './xml-guard';

/**
 * A small strict XML reader for SOAP envelopes and the HCP response: elements, attributes, namespaces,
 * text, CDATA, comments. Hand-rolled (qbwc.md §12.3 allows it) because the envelope needs namespace URIs
 * resolved and its text kept byte-exact (passwords, `&#xD;`), and because the `response` parameter can be
 * tens of MB of escaped qbXML, which a generic mapper decodes far more slowly than one regex pass.
 */
export interface XmlElement {
  /** Local name (prefix removed). */
  name: string;
  /** Namespace URI, '' when none. */
  ns: string;
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

const xmlnsNs = 'http://www.w3.org/2000/xmlns/';
const namePattern =
  /^[A-Za-z_\u00C0-\uFFEF][\w.\-\u00B7\u00C0-\uFFEF]*(?::[A-Za-z_\u00C0-\uFFEF][\w.\-\u00B7\u00C0-\uFFEF]*)?$/;
const attributePattern = /([^\s=]+)\s*=\s*(?:"([^"<]*)"|'([^'<]*)')/gy;

interface Frame {
  qname: string;
  element: XmlElement;
  scope: Map<string, string>;
  rawAttrs: Array<[string, string]>;
}

function malformed(what: string, message: string): UnsafeXmlError {
  return new UnsafeXmlError('malformed', `${what} is not well-formed XML: ${message}`);
}

function split(qname: string): [string, string] {
  const colon = qname.indexOf(':');
  return colon < 0 ? ['', qname] : [qname.slice(0, colon), qname.slice(colon + 1)];
}

function parseAttributes(source: string, what: string): Array<[string, string]> {
  const out: Array<[string, string]> = [];
  const trimmed = source.trim();
  attributePattern.lastIndex = 0;
  let at = 0;
  while (at < trimmed.length) {
    attributePattern.lastIndex = at;
    const match = attributePattern.exec(trimmed);
    if (!match) throw malformed(what, `bad attribute syntax near "${trimmed.slice(at, at + 30)}"`);
    const name = match[1]!;
    if (!namePattern.test(name)) throw malformed(what, `bad attribute name "${name}"`);
    if (out.some(([n]) => n === name)) throw malformed(what, `duplicate attribute "${name}"`);
    out.push([name, decodeXmlEntities(match[2] ?? match[3] ?? '')]);
    at = attributePattern.lastIndex;
    while (at < trimmed.length && /\s/.test(trimmed[at]!)) at++;
  }
  return out;
}

function resolve(prefix: string, scope: Map<string, string>, what: string, qname: string): string {
  const ns = scope.get(prefix);
  if (ns === undefined) {
    if (prefix === '') return '';
    if (prefix === 'xml') return 'http://www.w3.org/XML/1998/namespace';
    throw malformed(what, `prefix "${prefix}" of <${qname}> is not declared`);
  }
  return ns;
}

/** Parses a whole document and returns its root element; throws UnsafeXmlError on anything doubtful. */
export function readXml(xml: string, options: ReadXmlOptions = {}): XmlElement {
  const what = options.what ?? 'XML';
  assertSafeXml(xml, { maxChars: options.maxChars, what });
  let i = xml.charCodeAt(0) === 0xfeff ? 1 : 0;
  const stack: Frame[] = [];
  let root: XmlElement | undefined;
  let seenAnything = false;
  const textParts = new Map<XmlElement, string[]>();

  const appendText = (text: string) => {
    const top = stack[stack.length - 1];
    if (!top) {
      if (text.trim() !== '') throw malformed(what, 'text outside the root element');
      return;
    }
    const parts = textParts.get(top.element);
    if (parts) parts.push(text);
    else textParts.set(top.element, [text]);
  };

  while (i < xml.length) {
    const lt = xml.indexOf('<', i);
    if (lt < 0) {
      appendText(decodeXmlEntities(xml.slice(i)));
      break;
    }
    if (lt > i) appendText(decodeXmlEntities(xml.slice(i, lt)));
    if (xml.startsWith('<!--', lt)) {
      const end = xml.indexOf('-->', lt + 4);
      if (end < 0) throw malformed(what, 'unterminated comment');
      i = end + 3;
    } else if (xml.startsWith('<![CDATA[', lt)) {
      const end = xml.indexOf(']]>', lt + 9);
      if (end < 0) throw malformed(what, 'unterminated CDATA section');
      if (stack.length === 0) throw malformed(what, 'CDATA outside the root element');
      appendText(xml.slice(lt + 9, end));
      i = end + 3;
    } else if (xml.startsWith('<?', lt)) {
      const end = xml.indexOf('?>', lt + 2);
      if (end < 0) throw malformed(what, 'unterminated processing instruction');
      const target = /^<\?([^\s?]+)/.exec(xml.slice(lt, end + 2))?.[1] ?? '';
      const isDeclaration = target === 'xml' && !seenAnything;
      if (target.toLowerCase() === 'xml' && !isDeclaration)
        throw malformed(what, 'misplaced XML declaration');
      if (!isDeclaration && !options.allowProcessingInstructions) {
        throw malformed(what, `processing instruction <?${target}?> is not allowed`);
      }
      i = end + 2;
    } else if (xml.startsWith('<!', lt)) {
      throw malformed(what, 'markup declarations are not allowed');
    } else if (xml.startsWith('</', lt)) {
      const end = xml.indexOf('>', lt + 2);
      if (end < 0) throw malformed(what, 'unterminated end tag');
      const qname = xml.slice(lt + 2, end).trim();
      const top = stack.pop();
      if (!top || top.qname !== qname) {
        throw malformed(what, `</${qname}> does not close ${top ? `<${top.qname}>` : 'any element'}`);
      }
      const parts = textParts.get(top.element);
      if (parts) {
        top.element.text = parts.join('');
        textParts.delete(top.element);
      }
      i = end + 1;
    } else {
      const end = findTagEnd(xml, lt + 1);
      if (end < 0) throw malformed(what, 'unterminated start tag');
      const selfClosing = xml[end - 1] === '/';
      const inner = xml.slice(lt + 1, selfClosing ? end - 1 : end);
      const nameEnd = inner.search(/[\s]/);
      const qname = nameEnd < 0 ? inner : inner.slice(0, nameEnd);
      if (!namePattern.test(qname)) throw malformed(what, `bad element name "${qname.slice(0, 40)}"`);
      if (stack.length === 0 && root) throw malformed(what, 'more than one root element');
      if (stack.length >= maxXmlDepth) {
        throw new UnsafeXmlError('too_deep', `${what} nests elements deeper than ${maxXmlDepth} levels`);
      }
      const rawAttrs = nameEnd < 0 ? [] : parseAttributes(inner.slice(nameEnd), what);
      const parentScope = stack[stack.length - 1]?.scope ?? new Map<string, string>();
      let scope = parentScope;
      for (const [name, value] of rawAttrs) {
        if (name === 'xmlns' || name.startsWith('xmlns:')) {
          if (scope === parentScope) scope = new Map(parentScope);
          scope.set(name === 'xmlns' ? '' : name.slice(6), value);
        }
      }
      const [prefix, local] = split(qname);
      const element: XmlElement = {
        name: local,
        ns: resolve(prefix, scope, what, qname),
        attrs: {},
        children: [],
        text: '',
      };
      for (const [name, value] of rawAttrs) {
        if (name === 'xmlns' || name.startsWith('xmlns:')) continue;
        const [attrPrefix, attrLocal] = split(name);
        // Attributes are keyed `{ns}local` when namespaced (xsi:nil), plain local otherwise.
        const attrNs = attrPrefix === '' ? '' : resolve(attrPrefix, scope, what, name);
        element.attrs[attrNs && attrNs !== xmlnsNs ? `{${attrNs}}${attrLocal}` : attrLocal] = value;
      }
      const parent = stack[stack.length - 1];
      if (parent) parent.element.children.push(element);
      else root = element;
      if (!selfClosing) stack.push({ qname, element, scope, rawAttrs });
      i = end + 1;
    }
    seenAnything = true;
  }
  if (stack.length > 0) throw malformed(what, `<${stack[stack.length - 1]!.qname}> is never closed`);
  if (!root) throw malformed(what, 'no root element');
  return root;
}

/** The `>` that ends a start tag, skipping over quoted attribute values. */
function findTagEnd(xml: string, from: number): number {
  let quote = '';
  for (let i = from; i < xml.length; i++) {
    const c = xml[i]!;
    if (quote) {
      if (c === quote) quote = '';
    } else if (c === '"' || c === "'") quote = c;
    else if (c === '>') return i;
    else if (c === '<') return -1;
  }
  return -1;
}

/** Children with a given local name (any namespace unless `ns` is given). */
export function childrenNamed(element: XmlElement, name: string, ns?: string): XmlElement[] {
  return element.children.filter((c) => c.name === name && (ns === undefined || c.ns === ns));
}

export function firstChild(element: XmlElement, name: string, ns?: string): XmlElement | undefined {
  return element.children.find((c) => c.name === name && (ns === undefined || c.ns === ns));
}
