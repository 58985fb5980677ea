import { escapeXml } from '../qbxml/xml-guard';
import { childrenNamed, firstChild, readXml } from '../qbxml/xml-reader';
import { intuitNs } from '../soap/soap-envelope';
import { answerSampleRequest, sampleHcpResponse } from './sample-responses';

/**
 * Plays one whole Web Connector update against a running gateway, the way QBWC does it (qbwc.md §2), with
 * QuickBooks' side answered by `sample-responses.ts`: for demos, smoke tests and the benchmark.
 */
export interface PlayOptions {
  /** Gateway base URL (`http://127.0.0.1:8787`) or the SOAP endpoint itself. */
  url: string;
  username: string;
  password: string;
  companyFile?: string;
  clientVersion?: string;
  /** Safety stop: a real session never needs this many round trips. */
  maxRequests?: number;
  /** How long to honour a "NoOp" pause (QBWC waits 5 s); tests pass 0. */
  noOpPauseMs?: number;
  /** Every SOAP call made, for a trace. */
  onCall?: (method: string, result: string) => void;
  fetchImpl?: typeof fetch;
}

export interface PlayResult {
  serverVersion: string;
  clientVersionAnswer: string;
  authStatus: string;
  requests: number;
  requestKinds: string[];
  percents: number[];
  lastError?: string;
  closeMessage: string;
  calls: number;
  outcome: 'completed' | 'nothing_to_do' | 'refused' | 'failed';
}

export function soapEndpoint(url: string): string {
  const trimmed = url.replace(/\/+$/, '');
  return trimmed.endsWith('/api/qbwc') ? trimmed : `${trimmed}/api/qbwc`;
}

/** A request body shaped like the Web Connector's own (soap: prefix, xsi/xsd, default namespace on the method). */
export function qbwcRequestBody(method: string, params: ReadonlyArray<[string, string]>): string {
  const inner = params.map(([name, value]) => `<${name}>${escapeXml(value)}</${name}>`).join('');
  return `<?xml version="1.0" encoding="utf-8"?><soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xmlns:xsd="http://www.w3.org/2001/XMLSchema"><soap:Body><${method} xmlns="${intuitNs}">${inner}</${method}></soap:Body></soap:Envelope>`;
}

/** One SOAP call; returns the result element (`<methodResult>`) or throws with the fault text. */
export async function callQbwc(
  endpoint: string,
  method: string,
  params: ReadonlyArray<[string, string]>,
  fetchImpl: typeof fetch = fetch,
): Promise<{ text: string; strings: string[] }> {
  const response = await fetchImpl(endpoint, {
    method: 'POST',
    headers: { 'Content-Type': 'text/xml; charset=utf-8', SOAPAction: `"${intuitNs}${method}"` },
    body: qbwcRequestBody(method, params),
  });
  const body = await response.text();
  const envelope = readXml(body, { what: `The ${method} response` });
  const soapBody = firstChild(envelope, 'Body');
  const fault = soapBody && firstChild(soapBody, 'Fault');
  if (fault)
    throw new Error(`${method} answered a SOAP fault: ${firstChild(fault, 'faultstring')?.text ?? ''}`);
  const result = soapBody && firstChild(soapBody, `${method}Response`, intuitNs);
  const value = result && firstChild(result, `${method}Result`, intuitNs);
  if (!value) throw new Error(`${method} answered HTTP ${response.status} without a result`);
  return { text: value.text, strings: childrenNamed(value, 'string', intuitNs).map((s) => s.text) };
}

export async function playSession(options: PlayOptions): Promise<PlayResult> {
  const endpoint = soapEndpoint(options.url);
  let calls = 0;
  const call = async (method: string, params: ReadonlyArray<[string, string]> = []) => {
    calls++;
    const result = await callQbwc(endpoint, method, params, options.fetchImpl);
    options.onCall?.(method, result.strings.length > 0 ? JSON.stringify(result.strings) : result.text);
    return result;
  };
  const serverVersion = (await call('serverVersion')).text;
  const clientVersionAnswer = (
    await call('clientVersion', [['strVersion', options.clientVersion ?? '2.3.0.215']])
  ).text;
  const auth = await call('authenticate', [
    ['strUserName', options.username],
    ['strPassword', options.password],
  ]);
  const ticket = auth.strings[0] ?? '';
  const authStatus = auth.strings[1] ?? '';
  const base = {
    serverVersion,
    clientVersionAnswer,
    authStatus,
    requestKinds: [] as string[],
    percents: [] as number[],
  };
  if (authStatus !== '' && !authStatus.includes('\\')) {
    // a refused login may come with a ticket whose getLastError says why (a lockout, and until when)
    const refusal =
      authStatus === 'nvu' && ticket !== ''
        ? (await call('getLastError', [['ticket', ticket]])).text
        : undefined;
    const closeMessage = (await call('closeConnection', [['ticket', ticket]])).text;
    return {
      ...base,
      requests: 0,
      ...(refusal ? { lastError: refusal } : {}),
      closeMessage,
      calls,
      outcome: authStatus === 'none' ? 'nothing_to_do' : 'refused',
    };
  }
  let requests = 0;
  let lastError: string | undefined;
  let outcome: PlayResult['outcome'] = 'failed';
  const maxRequests = options.maxRequests ?? 500;
  while (requests < maxRequests) {
    const request = (
      await call('sendRequestXML', [
        ['ticket', ticket],
        ['strHCPResponse', requests === 0 ? sampleHcpResponse() : ''],
        [
          'strCompanyFileName',
          options.companyFile ?? 'C:\\Users\\Public\\Documents\\Intuit\\QuickBooks\\Company Files\\Acme.QBW',
        ],
        ['qbXMLCountry', 'US'],
        ['qbXMLMajorVers', '13'],
        ['qbXMLMinorVers', '0'],
      ])
    ).text;
    if (request === '') {
      const error = (await call('getLastError', [['ticket', ticket]])).text;
      if (error === 'NoOp') {
        await new Promise((resolve) => setTimeout(resolve, options.noOpPauseMs ?? 5000));
        continue;
      }
      lastError = error;
      break;
    }
    requests++;
    base.requestKinds.push(...requestKinds(request));
    const percent = Number(
      (
        await call('receiveResponseXML', [
          ['ticket', ticket],
          ['response', answerSampleRequest(request)],
          ['hresult', ''],
          ['message', ''],
        ])
      ).text,
    );
    base.percents.push(percent);
    if (percent < 0) {
      lastError = (await call('getLastError', [['ticket', ticket]])).text;
      break;
    }
    if (percent >= 100) {
      outcome = 'completed';
      break;
    }
  }
  const closeMessage = (await call('closeConnection', [['ticket', ticket]])).text;
  return { ...base, requests, lastError, closeMessage, calls, outcome };
}

function requestKinds(requestXml: string): string[] {
  const root = readXml(requestXml, { allowProcessingInstructions: true });
  const set = firstChild(root, 'QBXMLMsgsRq');
  return (set?.children ?? []).map((rq) => {
    const period = firstChild(rq, 'ReportPeriod');
    const from = period && firstChild(period, 'FromReportDate')?.text;
    return from ? `${rq.name} ${from.slice(0, 7)}` : rq.name;
  });
}
