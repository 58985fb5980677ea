import { escapeXml } from '../qbxml/xml-guard';
import { intuitNs } from './soap-envelope';

/**
 * The WSDL of the QBWebConnectorSvc contract (qbwc.md §4), with what seed 003's lacked: serverVersion (no
 * parameters, as the Web Connector calls it), clientVersion, connectionError, the interactive operations,
 * and an address taken from PUBLIC_URL instead of a hard-coded host.
 */
type XsdType = 's:string' | 's:int' | 'tns:ArrayOfString';

interface Operation {
  name: string;
  params: Array<[string, XsdType]>;
  result: XsdType;
}

export const wsdlOperations: readonly Operation[] = [
  { name: 'serverVersion', params: [], result: 's:string' },
  { name: 'getServerVersion', params: [['ticket', 's:string']], result: 's:string' },
  { name: 'clientVersion', params: [['strVersion', 's:string']], result: 's:string' },
  {
    name: 'authenticate',
    params: [
      ['strUserName', 's:string'],
      ['strPassword', 's:string'],
    ],
    result: 'tns:ArrayOfString',
  },
  {
    name: 'sendRequestXML',
    params: [
      ['ticket', 's:string'],
      ['strHCPResponse', 's:string'],
      ['strCompanyFileName', 's:string'],
      ['qbXMLCountry', 's:string'],
      ['qbXMLMajorVers', 's:int'],
      ['qbXMLMinorVers', 's:int'],
    ],
    result: 's:string',
  },
  {
    name: 'receiveResponseXML',
    params: [
      ['ticket', 's:string'],
      ['response', 's:string'],
      ['hresult', 's:string'],
      ['message', 's:string'],
    ],
    result: 's:int',
  },
  {
    name: 'connectionError',
    params: [
      ['ticket', 's:string'],
      ['hresult', 's:string'],
      ['message', 's:string'],
    ],
    result: 's:string',
  },
  { name: 'getLastError', params: [['ticket', 's:string']], result: 's:string' },
  { name: 'closeConnection', params: [['ticket', 's:string']], result: 's:string' },
  {
    name: 'getInteractiveURL',
    params: [
      ['wcTicket', 's:string'],
      ['sessionID', 's:string'],
    ],
    result: 's:string',
  },
  { name: 'interactiveDone', params: [['wcTicket', 's:string']], result: 's:string' },
  {
    name: 'interactiveRejected',
    params: [
      ['wcTicket', 's:string'],
      ['reason', 's:string'],
    ],
    result: 's:string',
  },
];

// Ints are required (minOccurs 1) exactly as in Intuit's WSDL; strings are optional.
function field(name: string, type: XsdType): string {
  const min = type === 's:int' ? 1 : 0;
  return `<s:element minOccurs="${min}" maxOccurs="1" name="${name}" type="${type}" />`;
}

function sequence(fields: string[]): string {
  return fields.length === 0
    ? '<s:complexType />'
    : `<s:complexType><s:sequence>${fields.join('')}</s:sequence></s:complexType>`;
}

/** `address` is the SOAP endpoint URL, e.g. `https://bridge.example.com/api/qbwc`. */
export function buildWsdl(address: string): string {
  const elements = wsdlOperations
    .map(
      (op) =>
        `<s:element name="${op.name}">${sequence(op.params.map(([n, t]) => field(n, t)))}</s:element>` +
        `<s:element name="${op.name}Response">${sequence([field(`${op.name}Result`, op.result)])}</s:element>`,
    )
    .join('\n      ');
  const messages = wsdlOperations
    .map(
      (op) =>
        `<wsdl:message name="${op.name}SoapIn"><wsdl:part name="parameters" element="tns:${op.name}" /></wsdl:message>` +
        `<wsdl:message name="${op.name}SoapOut"><wsdl:part name="parameters" element="tns:${op.name}Response" /></wsdl:message>`,
    )
    .join('\n  ');
  const portOps = wsdlOperations
    .map(
      (op) =>
        `<wsdl:operation name="${op.name}"><wsdl:input message="tns:${op.name}SoapIn" /><wsdl:output message="tns:${op.name}SoapOut" /></wsdl:operation>`,
    )
    .join('\n    ');
  const bindingOps = wsdlOperations
    .map(
      (op) =>
        `<wsdl:operation name="${op.name}"><soap:operation soapAction="${intuitNs}${op.name}" style="document" /><wsdl:input><soap:body use="literal" /></wsdl:input><wsdl:output><soap:body use="literal" /></wsdl:output></wsdl:operation>`,
    )
    .join('\n    ');
  return `<?xml version="1.0" encoding="utf-8"?>
<wsdl:definitions xmlns:soap="http://schemas.xmlsoap.org/wsdl/soap/" xmlns:s="http://www.w3.org/2001/XMLSchema" xmlns:tns="${intuitNs}" xmlns:wsdl="http://schemas.xmlsoap.org/wsdl/" targetNamespace="${intuitNs}">
  <wsdl:types>
    <s:schema elementFormDefault="qualified" targetNamespace="${intuitNs}">
      <s:complexType name="ArrayOfString"><s:sequence><s:element minOccurs="0" maxOccurs="unbounded" name="string" nillable="true" type="s:string" /></s:sequence></s:complexType>
      ${elements}
    </s:schema>
  </wsdl:types>
  ${messages}
  <wsdl:portType name="QBWebConnectorSvcSoap">
    ${portOps}
  </wsdl:portType>
  <wsdl:binding name="QBWebConnectorSvcSoap" type="tns:QBWebConnectorSvcSoap">
    <soap:binding transport="http://schemas.xmlsoap.org/soap/http" />
    ${bindingOps}
  </wsdl:binding>
  <wsdl:service name="QBWebConnectorSvc">
    <wsdl:port name="QBWebConnectorSvcSoap" binding="tns:QBWebConnectorSvcSoap">
      <soap:address location="${escapeXml(address)}" />
    </wsdl:port>
  </wsdl:service>
</wsdl:definitions>
`;
}
