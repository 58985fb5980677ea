import fs from 'node:fs';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { type ServerType, serve } from '@hono/node-server';
import { openContext } from '../gateway/src/app/context';
import { loadConfig } from '../gateway/src/config/load';
import { createLogger } from '../gateway/src/log/logger';
import { hashPassword, type ScryptParams, saveCredentials } from '../gateway/src/qbwc/credentials';
import { callQbwc, soapEndpoint } from '../gateway/src/qbwc/play-session';
import { answerSampleRequest, sampleHcpResponse } from '../gateway/src/qbwc/sample-responses';
import { createQbwcSoapRoutes } from '../gateway/src/qbwc/soap-routes';
import type { QbwcWork } from '../gateway/src/qbwc/work';
import { createApp } from '../gateway/src/server/app';

/**
 * Requests/s of `POST /api/qbwc` for whole Web Connector sessions over real HTTP on loopback:
 * authenticate → N × (sendRequestXML + receiveResponseXML with a realistic P&L) → closeConnection.
 * The work side is a fixed plan, so the numbers are the SOAP shell's own (parse, sessions, store, escape).
 */
function fixedPlanWork(requests: number): QbwcWork {
  const cursor = new Map<number, number>();
  const pnl = (i: number) => {
    const month = String((i % 12) + 1).padStart(2, '0');
    return `<?xml version="1.0" encoding="utf-8"?>\n<?qbxml version="13.0"?>\n<QBXML><QBXMLMsgsRq onError="stopOnError"><GeneralSummaryReportQueryRq requestID="pl-2025-${month}"><GeneralSummaryReportType>ProfitAndLossStandard</GeneralSummaryReportType><ReportPeriod><FromReportDate>2025-${month}-01</FromReportDate><ToReportDate>2025-${month}-28</ToReportDate></ReportPeriod><SummarizeColumnsBy>TotalOnly</SummarizeColumnsBy><ReportBasis>Accrual</ReportBasis></GeneralSummaryReportQueryRq></QBXMLMsgsRq></QBXML>\n`;
  };
  return {
    plan: (s) => {
      cursor.set(s.sessionId, 0);
      return requests;
    },
    nextRequest: (s) => {
      const i = cursor.get(s.sessionId) ?? 0;
      return i < requests
        ? { xml: pnl(i), kind: 'profit_loss', period: `2025-${String((i % 12) + 1).padStart(2, '0')}` }
        : null;
    },
    receive: (s) => {
      const done = (cursor.get(s.sessionId) ?? 0) + 1;
      cursor.set(s.sessionId, done);
      return { percent: done >= requests ? 100 : Math.floor((done * 100) / requests) };
    },
    finish: () => {},
  };
}

function percentile(sorted: number[], p: number): number {
  return Math.round((sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))] ?? 0) * 100) / 100;
}

async function measure(options: { sessions: number; requestsPerSession: number; scrypt: ScryptParams }) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'qbb-bench-qbwc-'));
  const ctx = openContext(loadConfig({ DATA_DIR: dir, LOG_LEVEL: 'silent' }, dir), {
    log: createLogger({ level: 'silent' }),
  });
  const password = 'bench-password-123456';
  saveCredentials(ctx.db, 'bench', await hashPassword(password, options.scrypt));
  const app = createApp(ctx, {
    modules: [createQbwcSoapRoutes({ work: () => fixedPlanWork(options.requestsPerSession) })],
  });
  const server = await new Promise<ServerType>((resolve) => {
    const s = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' }, () => resolve(s));
  });
  const endpoint = soapEndpoint(`http://127.0.0.1:${(server.address() as AddressInfo).port}`);
  const latencies: number[] = [];
  const authLatencies: number[] = [];
  const timed = async (method: string, params: Array<[string, string]>) => {
    const started = performance.now();
    const result = await callQbwc(endpoint, method, params);
    (method === 'authenticate' ? authLatencies : latencies).push(performance.now() - started);
    return result;
  };
  const responseBytes = Buffer.byteLength(
    answerSampleRequest(
      fixedPlanWork(1).nextRequest({ sessionId: 0, ticket: '', companyFile: '', qbXmlVersion: '13.0' })!.xml,
    ),
  );
  const started = performance.now();
  for (let s = 0; s < options.sessions; s++) {
    const auth = await timed('authenticate', [
      ['strUserName', 'bench'],
      ['strPassword', password],
    ]);
    const ticket = auth.strings[0]!;
    for (let i = 0; i < options.requestsPerSession; i++) {
      const request = await timed('sendRequestXML', [
        ['ticket', ticket],
        ['strHCPResponse', i === 0 ? sampleHcpResponse() : ''],
        ['strCompanyFileName', 'C:\\Acme.QBW'],
        ['qbXMLCountry', 'US'],
        ['qbXMLMajorVers', '13'],
        ['qbXMLMinorVers', '0'],
      ]);
      await timed('receiveResponseXML', [
        ['ticket', ticket],
        ['response', answerSampleRequest(request.text)],
        ['hresult', ''],
        ['message', ''],
      ]);
    }
    await timed('closeConnection', [['ticket', ticket]]);
  }
  const totalMs = performance.now() - started;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  ctx.close();
  fs.rmSync(dir, { recursive: true, force: true });
  const sorted = [...latencies].sort((a, b) => a - b);
  const authSorted = [...authLatencies].sort((a, b) => a - b);
  const calls = latencies.length + authLatencies.length;
  const otherMs = latencies.reduce((a, b) => a + b, 0);
  return {
    sessions: options.sessions,
    requestsPerSession: options.requestsPerSession,
    scryptN: options.scrypt.N,
    responseBytes,
    calls,
    callsPerSec: Math.round(calls / (totalMs / 1000)),
    nonAuthCallsPerSec: Math.round(latencies.length / (otherMs / 1000)),
    sessionsPerSec: Math.round((options.sessions / (totalMs / 1000)) * 100) / 100,
    p50Ms: percentile(sorted, 0.5),
    p95Ms: percentile(sorted, 0.95),
    authP50Ms: percentile(authSorted, 0.5),
  };
}

export async function run(): Promise<Array<Record<string, unknown>>> {
  return [
    // The production hash cost (N=2^16): authenticate dominates a short session.
    await measure({ sessions: 10, requestsPerSession: 3, scrypt: { N: 2 ** 16, r: 8, p: 1 } }),
    // A long session (a year of monthly P&Ls): the per-call cost of the SOAP shell itself.
    await measure({ sessions: 20, requestsPerSession: 13, scrypt: { N: 2 ** 12, r: 8, p: 1 } }),
  ];
}
