import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import readline from 'node:readline';
import { fileURLToPath } from 'node:url';
import { openContext } from '../gateway/src/app/context';
import { loadConfig } from '../gateway/src/config/load';
import { createLogger } from '../gateway/src/log/logger';
import { MappingStore } from '../gateway/src/qbwc/metrics/mapping-store';
import { callQbwc, qbwcRequestBody, soapEndpoint } from '../gateway/src/qbwc/play/play-session';
import {
  answerSampleRequest,
  sampleChartOfAccounts,
  sampleHcpResponse,
} from '../gateway/src/qbwc/play/sample-responses';
import { hashPassword, type ScryptParams, saveCredentials } from '../gateway/src/qbwc/sessions/credentials';
import { intuitNs } from '../gateway/src/qbwc/soap/soap-envelope';
import { startServer } from '../gateway/src/server/serve';
import { generateLargePnl } from './qbwc-parse';

/**
 * Whole Web Connector sessions against the real gateway over loopback HTTP: the real SOAP service and the
 * real work (plan, qbXML build, P&L parse, mappings, metrics, the gzip'd history insert, the job row), with
 * QuickBooks' side answering P&Ls of a realistic size (a 200-account chart, ~60 KB per report):
 * authenticate → 12 × P&L (ten backlog months, the previous and current month) + the employee count →
 * closeConnection. Then one session whose first P&L is ~10 MB, sent to a gateway in a child process so its
 * peak RSS is the gateway's own (qbwc-parse measures the parse alone).
 */
const username = 'bench';
const password = 'bench-password-123456';
const chartSize = 200;
/** Far enough back that every session has a full backlog to read (the plan never answers "none"). */
const startPeriod = '1990-01';
const serverFlag = 'QBB_BENCH_QBWC_SERVER';
/** When set, the child gateway also holds this regex mapping, tried before every other (the ReDoS figure). */
const regexFlag = 'QBB_BENCH_QBWC_REGEX';
/** A pattern the old safety check let through that backtracks catastrophically on names without a "!". */
const hostileRegex = '.*.*.*.*.*.*!$';

function percentile(sorted: number[], p: number): number {
  return Math.round((sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))] ?? 0) * 100) / 100;
}

function openBenchContext(dir: string) {
  return openContext(
    loadConfig({ DATA_DIR: dir, LOG_LEVEL: 'silent', QBWC_START_PERIOD: startPeriod }, dir),
    { log: createLogger({ level: 'silent' }) },
  );
}

const sendParams = (ticket: string, first: boolean): Array<[string, string]> => [
  ['ticket', ticket],
  ['strHCPResponse', first ? sampleHcpResponse() : ''],
  ['strCompanyFileName', 'C:\\Company Files\\Acme.QBW'],
  ['qbXMLCountry', 'US'],
  ['qbXMLMajorVers', '13'],
  ['qbXMLMinorVers', '0'],
];

async function measureSessions(options: { sessions: number; scrypt: ScryptParams }) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'qbb-bench-qbwc-'));
  const ctx = openBenchContext(dir);
  saveCredentials(ctx.db, username, await hashPassword(password, options.scrypt));
  const running = await startServer(ctx, 0, '127.0.0.1');
  const endpoint = soapEndpoint(running.url);
  const chart = sampleChartOfAccounts(chartSize);
  const byMethod = new Map<string, number[]>();
  const timed = async (method: string, params: Array<[string, string]>) => {
    const started = performance.now();
    const result = await callQbwc(endpoint, method, params);
    const list = byMethod.get(method) ?? [];
    list.push(performance.now() - started);
    byMethod.set(method, list);
    return result;
  };
  let responseBytes = 0;
  let requests = 0;
  const started = performance.now();
  for (let s = 0; s < options.sessions; s++) {
    const ticket = (
      await timed('authenticate', [
        ['strUserName', username],
        ['strPassword', password],
      ])
    ).strings[0]!;
    for (let i = 0; ; i++) {
      const request = (await timed('sendRequestXML', sendParams(ticket, i === 0))).text;
      if (request === '') throw new Error('the gateway stopped asking before the plan was done');
      const response = answerSampleRequest(request, { accounts: chart });
      if (request.includes('GeneralSummaryReportQueryRq')) responseBytes = Buffer.byteLength(response);
      requests++;
      const percent = Number(
        (
          await timed('receiveResponseXML', [
            ['ticket', ticket],
            ['response', response],
            ['hresult', ''],
            ['message', ''],
          ])
        ).text,
      );
      if (percent < 0) throw new Error(`the gateway refused a response (${percent})`);
      if (percent >= 100) break;
    }
    await timed('closeConnection', [['ticket', ticket]]);
  }
  const totalMs = performance.now() - started;
  const jobs = ctx.jobs.list({ flow: 'qbwc', limit: 1000 });
  const metricRows = Number(ctx.db.prepare('SELECT COUNT(*) FROM qbr_metrics_monthly').pluck().get());
  await running.stop(100);
  fs.rmSync(dir, { recursive: true, force: true });
  const sorted = (method?: string) =>
    [
      ...(method
        ? (byMethod.get(method) ?? [])
        : [...byMethod].flatMap(([m, v]) => (m === 'authenticate' ? [] : v))),
    ].sort((a, b) => a - b);
  const all = sorted();
  const receive = sorted('receiveResponseXML');
  const send = sorted('sendRequestXML');
  const calls = [...byMethod.values()].reduce((n, v) => n + v.length, 0);
  return {
    metric: 'qbwc_full_sessions',
    sessions: options.sessions,
    requestsPerSession: requests / options.sessions,
    pnlAccounts: chart.length,
    pnlResponseBytes: responseBytes,
    scryptN: options.scrypt.N,
    calls,
    sessionsPerSec: Math.round((options.sessions / (totalMs / 1000)) * 100) / 100,
    callsPerSec: Math.round(calls / (totalMs / 1000)),
    callP50Ms: percentile(all, 0.5),
    callP95Ms: percentile(all, 0.95),
    receiveP50Ms: percentile(receive, 0.5),
    receiveP95Ms: percentile(receive, 0.95),
    sendP50Ms: percentile(send, 0.5),
    authP50Ms: percentile(sorted('authenticate'), 0.5),
    jobsDone: jobs.filter((j) => j.state === 'done').length,
    metricRows,
  };
}

/** Child side: a gateway on a fresh store; prints its URL, and its peak RSS when stdin closes. */
async function serveForBench(dir: string): Promise<void> {
  const ctx = openBenchContext(dir);
  saveCredentials(ctx.db, username, await hashPassword(password, { N: 2 ** 12, r: 8, p: 1 }));
  const regex = process.env[regexFlag];
  if (regex) {
    new MappingStore(ctx.db).create({
      metricKey: 'other_expenses',
      pattern: regex,
      matchType: 'regex',
      priority: 10_000,
      isActive: true,
      notes: null,
    });
  }
  const running = await startServer(ctx, 0, '127.0.0.1');
  const rssMb = () => Math.round(process.memoryUsage().rss / 1024 / 1024);
  process.stdout.write(`${JSON.stringify({ url: running.url, rssIdleMb: rssMb() })}\n`);
  process.stdin.resume();
  process.stdin.on('end', async () => {
    const stored = ctx.db
      .prepare(
        `SELECT raw_chars AS rawChars, length(raw_response) AS gzBytes, outcome FROM qbwc_sync_history
         ORDER BY raw_chars DESC LIMIT 1`,
      )
      .get() as { rawChars: number; gzBytes: number; outcome: string } | undefined;
    const peakRssMb = Math.round(process.resourceUsage().maxRSS / 1024);
    await running.stop(100);
    process.stdout.write(`${JSON.stringify({ peakRssMb, rssEndMb: rssMb(), stored })}\n`);
    process.exit(0);
  });
}

/** The gateway in a child process (so its stalls and RSS are its own), with a line reader on its stdout. */
function spawnGateway(dir: string, env: Record<string, string> = {}) {
  // The bundle this code runs from, run again as the gateway process.
  const child = spawn(process.execPath, [fileURLToPath(import.meta.url)], {
    env: { ...process.env, ...env, [serverFlag]: dir },
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  const lines = readline.createInterface({ input: child.stdout! })[Symbol.asyncIterator]();
  const next = async () => JSON.parse(String((await lines.next()).value)) as Record<string, unknown>;
  return { child, next };
}

/**
 * Sends one hostile request and polls /healthz every 10 ms while it runs: how long the request takes and
 * the worst /healthz answer time during it (a stalled event loop shows here, whatever the request does).
 */
async function stallFigures(
  endpoint: string,
  body: string,
  method: string,
): Promise<Record<string, number | string>> {
  const healthz = endpoint.replace(/\/api\/qbwc$/, '/healthz');
  let done = false;
  let worst = 0;
  let healthzFailures = 0;
  const poll = (async () => {
    while (!done) {
      const started = performance.now();
      try {
        await (await fetch(healthz)).arrayBuffer();
      } catch {
        healthzFailures++;
      }
      worst = Math.max(worst, performance.now() - started);
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  })();
  const started = performance.now();
  const res = await fetch(endpoint, {
    method: 'POST',
    body,
    headers: { 'Content-Type': 'text/xml; charset=utf-8', SOAPAction: `"${intuitNs}${method}"` },
  });
  const answer = await res.text();
  const requestMs = performance.now() - started;
  done = true;
  await poll;
  return {
    requestMs: Math.round(requestMs),
    healthzMaxMs: Math.round(worst),
    healthzFailures,
    httpStatus: res.status,
    answer: answer.slice(0, 160),
  };
}

/** An element carrying `count` distinct attributes (the quadratic duplicate check of the old reader). */
function manyAttributes(count: number): string {
  let attrs = '';
  for (let i = 0; i < count; i++) attrs += ` a${i}="x"`;
  return attrs;
}

function envelopeWith(method: string, methodAttrs: string, inner: string): string {
  return `<?xml version="1.0" encoding="utf-8"?><soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"><soap:Body><${method} xmlns="${intuitNs}"${methodAttrs}>${inner}</${method}></soap:Body></soap:Envelope>`;
}

/**
 * Issue 15 #1 and #2: an anonymous serverVersion with 6,500 attributes (57 KB), a receiveResponseXML behind a
 * live ticket whose parameter carries 20,000 attributes, and a P&L whose account names meet a catastrophically
 * backtracking regex mapping.
 */
async function measureStalls() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'qbb-bench-qbwc-stall-'));
  const { child, next } = spawnGateway(dir, { [regexFlag]: hostileRegex });
  try {
    const ready = (await next()) as { url: string };
    const endpoint = soapEndpoint(ready.url);
    const rows: Array<Record<string, unknown>> = [];
    // warm the gateway up (first request, JIT) so the figures are the attacks' own
    for (let i = 0; i < 20; i++) {
      await callQbwc(endpoint, 'serverVersion', []);
      await (await fetch(endpoint.replace(/\/api\/qbwc$/, '/healthz'))).arrayBuffer();
    }
    const anonymous = await stallFigures(
      endpoint,
      envelopeWith('serverVersion', manyAttributes(6500), ''),
      'serverVersion',
    );
    rows.push({ metric: 'qbwc_stall_attributes_anonymous', attributes: 6500, ...anonymous });

    const login = async () =>
      (
        await callQbwc(endpoint, 'authenticate', [
          ['strUserName', username],
          ['strPassword', password],
        ])
      ).strings[0]!;
    let ticket = await login();
    let request = (await callQbwc(endpoint, 'sendRequestXML', sendParams(ticket, true))).text;
    const ticketed = await stallFigures(
      endpoint,
      envelopeWith(
        'receiveResponseXML',
        '',
        `<ticket>${ticket}</ticket><response${manyAttributes(20_000)}></response><hresult/><message/>`,
      ),
      'receiveResponseXML',
    );
    rows.push({ metric: 'qbwc_stall_attributes_ticket', attributes: 20_000, ...ticketed });
    await callQbwc(endpoint, 'closeConnection', [['ticket', ticket]]);

    ticket = await login();
    request = (await callQbwc(endpoint, 'sendRequestXML', sendParams(ticket, true))).text;
    // The sample chart (15 accounts, names of 19-63 characters): ~9 s of backtracking on V8's engine.
    const regex = await stallFigures(
      endpoint,
      qbwcRequestBody('receiveResponseXML', [
        ['ticket', ticket],
        ['response', answerSampleRequest(request)],
        ['hresult', ''],
        ['message', ''],
      ]),
      'receiveResponseXML',
    );
    rows.push({ metric: 'qbwc_stall_regex_mapping', pattern: hostileRegex, ...regex });
    child.stdin!.end();
    await next();
    return rows;
  } finally {
    child.kill();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

async function measureLargeReport() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'qbb-bench-qbwc-10mb-'));
  const { child, next } = spawnGateway(dir);
  try {
    const ready = (await next()) as { url: string; rssIdleMb: number };
    const endpoint = soapEndpoint(ready.url);
    // Built before the session starts: generating 10 MB takes seconds, long enough for the server to close
    // the idle keep-alive connection just as fetch reuses it.
    const placeholder = 'pl-0000-00';
    const { xml: template, accounts } = generateLargePnl(placeholder);
    const ticket = (
      await callQbwc(endpoint, 'authenticate', [
        ['strUserName', username],
        ['strPassword', password],
      ])
    ).strings[0]!;
    const request = (await callQbwc(endpoint, 'sendRequestXML', sendParams(ticket, true))).text;
    const requestId = /requestID="([^"]+)"/.exec(request)?.[1] ?? '';
    const xml = template.replace(`requestID="${placeholder}"`, `requestID="${requestId}"`);
    // What the Web Connector sends: the report XML-escaped inside the SOAP envelope.
    const body = qbwcRequestBody('receiveResponseXML', [
      ['ticket', ticket],
      ['response', xml],
      ['hresult', ''],
      ['message', ''],
    ]);
    const started = performance.now();
    const res = await fetch(endpoint, {
      method: 'POST',
      body,
      headers: {
        'Content-Type': 'text/xml; charset=utf-8',
        SOAPAction: `"${intuitNs}receiveResponseXML"`,
      },
    }).catch((error: Error) => {
      throw new Error(
        `the 10 MB receiveResponseXML failed after ${Math.round(performance.now() - started)} ms: ${String(error.cause ?? error)}`,
      );
    });
    const answer = await res.text();
    const ms = performance.now() - started;
    const percent = Number(/<receiveResponseXMLResult>(-?\d+)</.exec(answer)?.[1] ?? Number.NaN);
    child.stdin!.end();
    const end = (await next()) as {
      peakRssMb: number;
      stored?: { rawChars: number; gzBytes: number; outcome: string };
    };
    return {
      metric: 'qbwc_10mb_pnl_through_soap',
      value: Math.round(ms),
      unit: 'ms',
      httpStatus: res.status,
      percent,
      reportMb: Number((Buffer.byteLength(xml) / 1024 / 1024).toFixed(2)),
      soapBodyMb: Number((Buffer.byteLength(body) / 1024 / 1024).toFixed(2)),
      accounts,
      gatewayRssIdleMb: ready.rssIdleMb,
      gatewayPeakRssMb: end.peakRssMb,
      storedOutcome: end.stored?.outcome,
      storedGzipMb: end.stored ? Number((end.stored.gzBytes / 1024 / 1024).toFixed(2)) : null,
    };
  } finally {
    child.kill();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

if (process.env[serverFlag]) await serveForBench(process.env[serverFlag]);

export async function run(): Promise<Array<Record<string, unknown>>> {
  // QBB_BENCH_QBWC_ONLY=edges: only the figures issue 15 asked for before and after (stalls, the 10 MB report).
  if (process.env.QBB_BENCH_QBWC_ONLY === 'edges')
    return [...(await measureStalls()), await measureLargeReport()];
  if (process.env.QBB_BENCH_QBWC_ONLY === 'large') return [await measureLargeReport()];
  return [
    ...(await measureStalls()),
    // The production hash cost (N=2^16): what a real session costs end to end.
    await measureSessions({ sessions: 10, scrypt: { N: 2 ** 16, r: 8, p: 1 } }),
    // A cheap hash, more sessions: the per-call cost of the SOAP shell and the work.
    await measureSessions({ sessions: 20, scrypt: { N: 2 ** 12, r: 8, p: 1 } }),
    await measureLargeReport(),
  ];
}
