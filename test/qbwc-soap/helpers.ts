import type { AppContext } from '../../gateway/src/app/context';
import { qbwcRequestBody } from '../../gateway/src/qbwc/play/play-session';
import { childrenNamed, firstChild, readXml } from '../../gateway/src/qbwc/qbxml/xml-reader';
import { hashPassword, saveCredentials } from '../../gateway/src/qbwc/sessions/credentials';
import { intuitNs } from '../../gateway/src/qbwc/soap/soap-envelope';
import { createQbwcSoapRoutes, type QbwcSoapRouteOptions } from '../../gateway/src/qbwc/soap/soap-routes';
import type { PlannedRequest, QbwcSessionInfo, QbwcWork, ResponseOutcome } from '../../gateway/src/qbwc/work';
import { createApp } from '../../gateway/src/server/app';
import type { RouteModule } from '../../gateway/src/server/routes';
import { testContext } from '../helpers/context';

export const username = 'acme-qbwc';
export const password = 'Pässwörd-Ngụy-7f3a9c1e';

/** Two fixed, schema-valid qbXML requests (a P&L month and the employee query). */
export const fixedRequests: PlannedRequest[] = [
  {
    kind: 'profit_loss',
    period: '2025-01',
    xml: '<?xml version="1.0" encoding="utf-8"?>\n<?qbxml version="13.0"?>\n<QBXML><QBXMLMsgsRq onError="stopOnError"><GeneralSummaryReportQueryRq requestID="pl-2025-01"><GeneralSummaryReportType>ProfitAndLossStandard</GeneralSummaryReportType><ReportPeriod><FromReportDate>2025-01-01</FromReportDate><ToReportDate>2025-01-31</ToReportDate></ReportPeriod><SummarizeColumnsBy>TotalOnly</SummarizeColumnsBy><ReportBasis>Accrual</ReportBasis></GeneralSummaryReportQueryRq></QBXMLMsgsRq></QBXML>\n',
  },
  {
    kind: 'employees',
    xml: '<?xml version="1.0" encoding="utf-8"?>\n<?qbxml version="13.0"?>\n<QBXML><QBXMLMsgsRq onError="stopOnError"><EmployeeQueryRq requestID="emp-count"><ActiveStatus>ActiveOnly</ActiveStatus><IncludeRetElement>ListID</IncludeRetElement><IncludeRetElement>IsActive</IncludeRetElement></EmployeeQueryRq></QBXMLMsgsRq></QBXML>\n',
  },
];

/** A QbwcWork test double: hands out `fixedRequests` in order and records what it was given. */
export function recordingWork(planned = fixedRequests.length) {
  const cursor = new Map<number, number>();
  const calls = {
    plan: [] as QbwcSessionInfo[],
    next: [] as QbwcSessionInfo[],
    received: [] as Array<{ session: QbwcSessionInfo; xml: string; hresult: string; message: string }>,
    finished: [] as Array<{ sessionId: number; outcome: string }>,
  };
  const work: QbwcWork = {
    plan(session) {
      calls.plan.push(session);
      cursor.set(session.sessionId, 0);
      return planned;
    },
    nextRequest(session) {
      calls.next.push(session);
      return fixedRequests[cursor.get(session.sessionId) ?? 0] ?? null;
    },
    receive(session, response): ResponseOutcome {
      calls.received.push({ session, ...response });
      if (response.hresult) return { percent: -1, error: `QuickBooks failed: ${response.message}` };
      const done = (cursor.get(session.sessionId) ?? 0) + 1;
      cursor.set(session.sessionId, done);
      return { percent: Math.floor((done * 100) / planned) };
    },
    finish(session, outcome) {
      calls.finished.push({ sessionId: session.sessionId, outcome });
    },
  };
  return { work, calls };
}

export interface Harness {
  ctx: AppContext;
  clock: { now: Date; advance(ms: number): void };
  calls: ReturnType<typeof recordingWork>['calls'];
  post(body: string, headers?: Record<string, string>): Promise<Response>;
  request(path: string, init?: RequestInit): Promise<Response>;
  call(
    method: string,
    params?: ReadonlyArray<[string, string]>,
  ): Promise<{ text: string; strings: string[] }>;
  close(): void;
}

export async function harness(
  options: {
    env?: Record<string, string>;
    planned?: number;
    route?: QbwcSoapRouteOptions;
    log?: AppContext['log'];
    /** Mounted beside the SOAP routes (e.g. the REST API), reachable through `request`. */
    modules?: RouteModule[];
  } = {},
): Promise<Harness> {
  const ctx = testContext(options.env ?? {}, options.log);
  saveCredentials(ctx.db, username, await hashPassword(password, { N: 2 ** 12, r: 8, p: 1 }));
  const clock = {
    now: new Date('2026-03-10T12:00:00Z'),
    advance(ms: number) {
      clock.now = new Date(clock.now.getTime() + ms);
    },
  };
  const { work, calls } = recordingWork(options.planned);
  const module = createQbwcSoapRoutes({ work: () => work, clock: () => clock.now, ...options.route });
  const app = createApp(ctx, { modules: [module, ...(options.modules ?? [])] });
  const post = (body: string, headers: Record<string, string> = {}) =>
    Promise.resolve(
      app.request('/api/qbwc', {
        method: 'POST',
        body,
        headers: { 'Content-Type': 'text/xml; charset=utf-8', ...headers },
      }),
    );
  return {
    ctx,
    clock,
    calls,
    post,
    request: (path, init) => Promise.resolve(app.request(path, init)),
    async call(method, params = []) {
      const response = await post(qbwcRequestBody(method, params), {
        SOAPAction: `"${intuitNs}${method}"`,
      });
      return soapResult(await response.text(), method);
    },
    close: () => ctx.close(),
  };
}

export function soapResult(body: string, method: string): { text: string; strings: string[] } {
  const envelope = readXml(body);
  const soapBody = firstChild(envelope, 'Body')!;
  const fault = firstChild(soapBody, 'Fault');
  if (fault) throw new Error(`fault: ${firstChild(fault, 'faultstring')?.text}`);
  const result = firstChild(
    firstChild(soapBody, `${method}Response`, intuitNs)!,
    `${method}Result`,
    intuitNs,
  )!;
  return { text: result.text, strings: childrenNamed(result, 'string', intuitNs).map((s) => s.text) };
}

export function sendParams(ticket: string, hcp = '', major = '13', minor = '0'): Array<[string, string]> {
  return [
    ['ticket', ticket],
    ['strHCPResponse', hcp],
    ['strCompanyFileName', 'C:\\Users\\Public\\Documents\\Intuit\\QuickBooks\\Company Files\\Acme.QBW'],
    ['qbXMLCountry', 'US'],
    ['qbXMLMajorVers', major],
    ['qbXMLMinorVers', minor],
  ];
}

export function receiveParams(
  ticket: string,
  response: string,
  hresult = '',
  message = '',
): Array<[string, string]> {
  return [
    ['ticket', ticket],
    ['response', response],
    ['hresult', hresult],
    ['message', message],
  ];
}

export function countRows(ctx: AppContext, table: string): number {
  return Number(ctx.db.prepare(`SELECT COUNT(*) FROM ${table}`).pluck().get());
}
