import { escapeXml, maxSoapBodyBytes } from '../qbxml/xml-guard';
import { firstChild, readXml } from '../qbxml/xml-reader';

/** Intuit's namespace for every QBWC method, parameter and result (PG p.41). */
export const intuitNs = 'http://developer.intuit.com/';
export const soap11Ns = 'http://schemas.xmlsoap.org/soap/envelope/';
const soap12Ns = 'http://www.w3.org/2003/05/soap-envelope';
const xsiNs = 'http://www.w3.org/2001/XMLSchema-instance';

/** The request is not a SOAP 1.1 call we can answer in-protocol: answered with a `Client` fault. */
export class SoapClientError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SoapClientError';
  }
}

export interface SoapCall {
  method: string;
  /** Parameters by local name; an empty or `xsi:nil` element is ''. Missing ones are absent. */
  params: Record<string, string>;
}

/** `"http://developer.intuit.com/authenticate"` → `authenticate`; '' when the header is absent or empty. */
export function soapActionMethod(header: string | undefined): string {
  const value = (header ?? '').trim().replace(/^"(.*)"$/, '$1');
  if (value === '') return '';
  return value.startsWith(intuitNs) ? value.slice(intuitNs.length) : value;
}

/**
 * Reads a QBWC request: the method is the first element of `Body`, matched by namespace URI and local
 * name (never by prefix), cross-checked with SOAPAction when one was sent.
 */
export function parseSoapCall(body: string, soapAction?: string): SoapCall {
  const envelope = readXml(body, { maxChars: maxSoapBodyBytes, what: 'The SOAP request' });
  if (envelope.name !== 'Envelope' || (envelope.ns !== soap11Ns && envelope.ns !== soap12Ns)) {
    throw new SoapClientError('The request is not a SOAP envelope');
  }
  if (envelope.ns === soap12Ns) {
    throw new SoapClientError('Only SOAP 1.1 is supported (the Web Connector speaks SOAP 1.1)');
  }
  const soapBody = firstChild(envelope, 'Body', soap11Ns);
  const call = soapBody?.children[0];
  if (!call) throw new SoapClientError('The SOAP Body holds no method element');
  if (call.ns !== intuitNs) {
    throw new SoapClientError(`Method <${call.name}> must be in the namespace ${intuitNs}`);
  }
  const action = soapActionMethod(soapAction);
  if (action !== '' && action !== call.name) {
    throw new SoapClientError(`SOAPAction names ${action} but the body calls ${call.name}`);
  }
  const params: Record<string, string> = {};
  for (const param of call.children) {
    if (param.name in params) continue;
    params[param.name] = param.attrs[`{${xsiNs}}nil`] === 'true' ? '' : param.text;
  }
  return { method: call.name, params };
}

/**
 * Bodies above this are not decoded before their ticket is known to be live: a big `response` costs seconds
 * of CPU and hundreds of MB to decode, which nobody without a session may make us spend. Real calls other
 * than receiveResponseXML (and the first sendRequestXML's HCP response, ~10-20 KB) stay below it.
 */
export const ticketFirstAboveChars = 64 * 1024;
/** The Web Connector writes `<ticket>` as the first parameter; 16 KB leaves room for any envelope preamble. */
const peekChars = 16 * 1024;

export interface SoapPeek {
  /** Local name of the first element in Body, not yet checked against its namespace. */
  method: string;
  /** Text of the method's first `<ticket>` parameter found in the head, trimmed; undefined when none. */
  ticket: string | undefined;
}

/**
 * The method and ticket of a request from its first KBs only, nothing decoded: a bounded regex scan, so a
 * body of any size costs the same. Undefined when the head shows no method element or SOAPAction names
 * another method; the full parse (`parseSoapCall`) stays the judge of everything else.
 */
export function peekSoapCall(body: string, soapAction?: string): SoapPeek | undefined {
  const head = body.slice(0, peekChars);
  const call = /<(?:[\w.-]+:)?Body\b[^>]*>\s*<(?:[\w.-]+:)?([A-Za-z_][\w.-]*)[\s/>]/.exec(head);
  if (!call) return undefined;
  const method = call[1]!;
  const action = soapActionMethod(soapAction);
  if (action !== '' && action !== method) return undefined;
  const params = head.slice(call.index + call[0].length);
  const ticket = /<(?:[\w.-]+:)?ticket(?:\s[^>]*)?(?:\/>|>([^<]*)<\/(?:[\w.-]+:)?ticket\s*>)/.exec(params);
  return { method, ticket: ticket ? (ticket[1] ?? '').trim() : undefined };
}

export type SoapResult = string | number | readonly string[];

const envelopeStart =
  '<?xml version="1.0" encoding="utf-8"?><soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xmlns:xsd="http://www.w3.org/2001/XMLSchema"><soap:Body>';
const envelopeEnd = '</soap:Body></soap:Envelope>';

/** `<methodResponse xmlns=intuit><methodResult>…</methodResult></methodResponse>`; arrays as tns `<string>`s. */
export function soapResponse(method: string, result: SoapResult): string {
  const inner =
    typeof result === 'number'
      ? String(Math.trunc(result))
      : typeof result === 'string'
        ? escapeXml(result)
        : result.map((item) => `<string>${escapeXml(item)}</string>`).join('');
  return `${envelopeStart}<${method}Response xmlns="${intuitNs}"><${method}Result>${inner}</${method}Result></${method}Response>${envelopeEnd}`;
}

export function soapFault(code: 'Client' | 'Server', message: string): string {
  return `${envelopeStart}<soap:Fault><faultcode>soap:${code}</faultcode><faultstring>${escapeXml(message)}</faultstring></soap:Fault>${envelopeEnd}`;
}
