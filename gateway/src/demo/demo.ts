import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { type AppContext, openContext } from '../app/context';
import { createAddonKey } from '../auth/addon/hmac';
import { createApiToken, listApiTokens, revokeApiToken } from '../auth/api-tokens';
import { addUser } from '../auth/users';
import { loadConfig } from '../config/load';
import type { Logger } from '../log/logger';
import { planMisDemo, runMisDemo } from '../mis/demo';
import { connectDemoCompany } from '../qbo/oauth/demo-connect';
import { HistoryStore } from '../qbwc/metrics/history-store';
import { playSession } from '../qbwc/play/play-session';
import { hashPassword, saveCredentials } from '../qbwc/sessions/credentials';
import { createEmulator, type RunningEmulator } from '../sandbox/emulator';
import { type RunningServer, startServer } from '../server/serve';
import type { Db } from '../store/database';
import { playZimbraDemo, type ZimbraDemo } from '../zimbra/demo';

/**
 * `qb-bridge demo`: everything a newcomer needs to see qb-bridge work on one machine with nothing set up.
 * It runs the QuickBooks Online emulator as a separate local server, points the gateway at it exactly as
 * it would point at Intuit (URL overrides), connects through the real OAuth flow, and plays one Web
 * Connector session so the QBR metrics have data.
 */
export interface DemoOptions {
  env: Record<string, string | undefined>;
  cwd: string;
  /** Gateway port; 0 picks a free one. */
  port?: number;
  /** Where the demo keeps its store; `./demo-data` unless given. Never DATA_DIR: the demo must not touch a real store. */
  dataDir?: string;
  log?: Logger;
}

export interface Demo {
  ctx: AppContext;
  gateway: RunningServer;
  emulator: RunningEmulator;
  apiToken: string;
  /** An HMAC key for the Sheets add-on (and `sheets play`) against this demo store. */
  addonKey: string;
  /** A dashboard login for this demo store, with a password generated per run. */
  dashboard: { url: string; username: string; password: string };
  company: { realmId: string; companyName: string | null };
  webConnector: {
    outcome: string;
    requests: number;
    periods: string[];
    metricRows: number;
    username: string;
    /** Generated per run for the demo store only; printed so a person can play another session. */
    password: string;
  };
  /** The MIS sync's banner line, once its throwaway MariaDB is up and `all` has run (seconds after start). */
  mis: Promise<string>;
  /** The previous month billed from sample Zimbra reports in a local folder (no Zimbra server needed). */
  zimbra: ZimbraDemo;
  stop(): Promise<void>;
}

/**
 * The project's folder, found from this module (dist/gateway/main.js when built, gateway/src/demo/ under the
 * tests), so the sample files are found whatever folder the demo was started from.
 */
function projectRoot(): string | undefined {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  for (;;) {
    if (fs.existsSync(path.join(dir, 'gateway/src/sheets/sample'))) return dir;
    const up = path.dirname(dir);
    if (up === dir) return undefined;
    dir = up;
  }
}

/** A shipped sample file as a path a user can paste anywhere: relative under the project, absolute outside it. */
function sampleFile(name: string): string | undefined {
  const root = projectRoot();
  if (!root) return undefined;
  const file = path.join(root, 'gateway/src/sheets/sample', name);
  const relative = path.relative(process.cwd(), file);
  return relative.startsWith('..') || path.isAbsolute(relative) ? file : relative;
}

/** The shipped directions file (ACD is money in, Accelebrate money out). */
function sampleDirections(): string | undefined {
  const root = projectRoot();
  return root ? path.join(root, 'gateway/src/sheets/sample/directions.json') : undefined;
}

/** Asks the OS for a free loopback port, so the OAuth redirect URI can name it before the gateway starts. */
async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = net.createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as net.AddressInfo;
      probe.close(() => resolve(port));
    });
  });
}

function currentAndPreviousMonth(now = new Date()): [string, string] {
  const month = (d: Date) => d.toISOString().slice(0, 7);
  const previous = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() - 1, 1));
  return [month(previous), month(now)];
}

export async function startDemo(options: DemoOptions): Promise<Demo> {
  const emulatorApp = createEmulator();
  const emulator = await emulatorApp.listen(0, '127.0.0.1');
  const port = options.port === undefined || options.port === 0 ? await freePort() : options.port;
  const gatewayUrl = `http://127.0.0.1:${port}`;
  const misDemo = await planMisDemo(options.env);
  const env: Record<string, string | undefined> = {
    ...options.env,
    // The demo writes credentials, an API token and an emulator connection into its store, so it never
    // follows DATA_DIR (or the seed alias DATABASE_PATH) to a real one, nor that store's encryption key.
    DATA_DIR: path.resolve(options.cwd, options.dataDir ?? 'demo-data'),
    DATABASE_PATH: undefined,
    QB_BRIDGE_SECRET_KEY: undefined,
    // Every played session syncs again, so the banner's play-session command always shows work being done.
    QBWC_MIN_INTERVAL_MINUTES: '0',
    QBO_ENVIRONMENT: 'emulator',
    QBO_API_BASE_URL: emulator.url,
    QBO_AUTHORIZE_URL: `${emulator.url}/connect/oauth2`,
    QBO_TOKEN_URL: `${emulator.url}/oauth2/v1/tokens/bearer`,
    QBO_REVOKE_URL: `${emulator.url}/oauth2/v1/tokens/revoke`,
    QBO_CLIENT_ID: emulatorApp.clientId,
    QBO_CLIENT_SECRET: emulatorApp.clientSecret,
    QBO_REDIRECT_URI: `${gatewayUrl}/qbo/callback`,
    // localhost, not 127.0.0.1: the Web Connector refuses an IP address in AppURL, so the demo's own
    // GET /api/qbwc/app.qwc answers a file a Web Connector on this PC accepts.
    PUBLIC_URL: options.env.PUBLIC_URL ?? `http://localhost:${port}`,
    // The sheet flow: the emulator's first item and an expense account, bills on, the sample directions.
    QBO_DEFAULT_ITEM_ID: options.env.QBO_DEFAULT_ITEM_ID ?? '1',
    QBO_DEFAULT_EXPENSE_ACCOUNT_ID: options.env.QBO_DEFAULT_EXPENSE_ACCOUNT_ID ?? '7',
    // The sample bill carries a paid date: the demo records its payment from the emulator's Checking account.
    QBO_AUTO_MARK_BILL_PAID: options.env.QBO_AUTO_MARK_BILL_PAID ?? 'true',
    QBO_BILL_PAYMENT_ACCOUNT_ID: options.env.QBO_BILL_PAYMENT_ACCOUNT_ID ?? '5',
    SHEETS_DIRECTIONS_FILE: options.env.SHEETS_DIRECTIONS_FILE ?? sampleDirections(),
    MIS_DATABASE_URL: misDemo.url ?? undefined,
    // Zimbra: the sample reports are read from a folder in the demo store, never from a configured server.
    ZIMBRA_HOST: undefined,
    ZIMBRA_REPORT_PATH: path.resolve(options.cwd, options.dataDir ?? 'demo-data', 'zimbra-reports'),
  };
  const ctx = openContext(loadConfig(env, options.cwd), options.log ? { log: options.log } : {});
  let gateway: RunningServer;
  try {
    gateway = await startServer(ctx, port, '127.0.0.1');
  } catch (error) {
    ctx.close();
    await emulator.close();
    throw error;
  }
  const stop = async () => {
    await gateway.stop();
    await emulator.close();
    await misDemo.stop();
  };
  try {
    const token = freshDemoToken(ctx.db);
    // The emulator starts empty each run, so the demo always connects afresh through the OAuth flow.
    const company = await connectDemoCompany(gatewayUrl, token);

    // A fresh Web Connector password per run: the demo plays the Web Connector itself.
    const password = `demo-${crypto.randomUUID()}`;
    saveCredentials(ctx.db, ctx.config.QBWC_USERNAME, await hashPassword(password));
    const played = await playSession({
      url: gatewayUrl,
      username: ctx.config.QBWC_USERNAME,
      password,
      noOpPauseMs: 0,
    });
    const addonKey = createAddonKey(ctx).key;
    const dashboardPassword = `demo-${crypto.randomUUID()}`;
    await addUser(ctx.db, 'demo', dashboardPassword);
    const periods = currentAndPreviousMonth();
    const metricRows = new HistoryStore(ctx.db).metrics(periods[0], periods[1]).length;
    // In the background: a fresh MariaDB takes seconds to initialise; the banner gets its line when done.
    const mis = runMisDemo(ctx, misDemo);
    const zimbra = await playZimbraDemo(ctx);
    return {
      ctx,
      gateway,
      emulator,
      apiToken: token,
      addonKey,
      dashboard: { url: `${gatewayUrl}/`, username: 'demo', password: dashboardPassword },
      company,
      webConnector: {
        outcome: played.outcome,
        requests: played.requests,
        periods,
        metricRows,
        username: ctx.config.QBWC_USERNAME,
        password,
      },
      mis,
      zimbra,
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}

export const demoTokenName = 'demo';

/**
 * One valid API token per demo store: each run revokes the tokens earlier runs made (named "demo", or
 * "demo <time>" before) and makes a new one, so re-running the demo never leaves a pile of live tokens.
 */
export function freshDemoToken(db: Db): string {
  for (const t of listApiTokens(db)) {
    if (!t.revokedAt && (t.name === demoTokenName || /^demo \d{4}-\d{2}-\d{2}T/.test(t.name))) {
      revokeApiToken(db, t.name);
    }
  }
  return createApiToken(db, demoTokenName).token;
}

/** How this process was started, so a printed command runs the same build (`npm run demo` has no `npx` bin). */
function cliCommand(): string {
  const script = process.argv[1];
  if (!script) return 'npx qb-bridge';
  const relative = path.relative(process.cwd(), script);
  return `node ${relative && !relative.startsWith('..') ? relative : script}`;
}

/** What the demo prints: where to look and one command to try for each part. */
export function demoBanner(demo: Demo): string {
  const url = demo.gateway.url;
  const [from, to] = demo.webConnector.periods;
  const auth = `-H "Authorization: Bearer ${demo.apiToken}"`;
  return [
    `qb-bridge demo is running at ${url}`,
    '',
    `Dashboard          ${demo.dashboard.url}  (log in as ${demo.dashboard.username} / ${demo.dashboard.password})`,
    '',
    `QuickBooks Online  emulator at ${demo.emulator.url}, connected through OAuth:`,
    `                   ${demo.company.companyName ?? '(unnamed company)'} (realm ${demo.company.realmId})`,
    `Web Connector      one session played: ${demo.webConnector.outcome}, ${demo.webConnector.requests} qbXML requests, ${demo.webConnector.metricRows} metric rows for ${from}..${to}`,
    `Zimbra billing     ${demo.zimbra.period} billed from sample reports in ${demo.zimbra.reportDir}: ${demo.zimbra.invoices} draft invoices, $${(demo.zimbra.totalCents / 100).toFixed(2)}; unmapped: ${demo.zimbra.unmapped.join(', ') || 'none'}`,
    `                   Excel report ${demo.zimbra.excelPath ?? '(none)'}`,
    `Data               ${demo.ctx.config.dataDir}`,
    '',
    'Try:',
    `  curl ${auth} ${url}/healthz`,
    `  curl ${auth} "${url}/api/qbwc/metrics?from=${from}&to=${to}"`,
    `  curl ${auth} ${url}/api/qbwc/mappings`,
    `  curl "${url}/api/qbwc?wsdl"`,
    `  curl ${auth} -o qb-bridge.qwc ${url}/api/qbwc/app.qwc`,
    '    (the .qwc names this PC as localhost; for a Web Connector elsewhere add ?url=https://your-gateway-host)',
    `  curl ${auth} "${url}/api/jobs?flow=qbwc"`,
    `  curl ${auth} "${url}/api/zimbra/unmapped?year=${demo.zimbra.period.slice(0, 4)}&month=${Number(demo.zimbra.period.slice(5))}"`,
    '',
    'Play another Web Connector session against it (the Web Connector password of this demo store):',
    `  echo '${demo.webConnector.password}' | ${cliCommand()} qbwc play-session --url ${url} --username ${demo.webConnector.username} --password-stdin`,
    '',
    'Play the sample inv_tbl through the built Sheets add-on (multi-line invoice, a bill, two bad rows):',
    `  echo '${demo.addonKey}' | ${cliCommand()} sheets play --csv ${sampleFile('inv_tbl.csv') ?? 'gateway/src/sheets/sample/inv_tbl.csv'} --url ${url} --key-stdin`,
    '',
    'The API token above works only against this demo data. Press Ctrl+C to stop.',
  ].join('\n');
}
