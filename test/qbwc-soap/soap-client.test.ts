import * as soap from 'soap';
import { afterEach, describe, expect, it } from 'vitest';
import type { AppContext } from '../../gateway/src/app/context';
import {
  answerSampleRequest,
  sampleEmployeeCount,
  sampleHcpResponse,
} from '../../gateway/src/qbwc/play/sample-responses';
import { hashPassword, saveCredentials } from '../../gateway/src/qbwc/sessions/credentials';
import { qwcUrls } from '../../gateway/src/qbwc/soap/qwc-file';
import { type RunningServer, startServer } from '../../gateway/src/server/serve';
import { runCli } from '../helpers/cli';
import { tempDir, testContext } from '../helpers/context';
import { password, username } from './helpers';

let running: RunningServer | undefined;
let ctx: AppContext | undefined;
afterEach(async () => {
  await running?.stop(100);
  running = undefined;
  ctx?.close();
  ctx = undefined;
});

interface WcClient {
  serverVersionAsync(a: object): Promise<[{ serverVersionResult: string }]>;
  clientVersionAsync(a: object): Promise<[{ clientVersionResult?: string } | null]>;
  authenticateAsync(a: object): Promise<[{ authenticateResult: { string: Array<string | null> } }]>;
  sendRequestXMLAsync(a: object): Promise<[{ sendRequestXMLResult?: string } | null]>;
  receiveResponseXMLAsync(a: object): Promise<[{ receiveResponseXMLResult: number }]>;
  closeConnectionAsync(a: object): Promise<[{ closeConnectionResult: string }]>;
}

/** Last month: with it as the start there is no backlog, so a second sync right away has nothing to do. */
const today = new Date();
const lastMonth = new Date(Date.UTC(today.getUTCFullYear(), today.getUTCMonth() - 1, 1))
  .toISOString()
  .slice(0, 7);

async function gateway(env: Record<string, string> = {}) {
  ctx = testContext({ QBWC_START_PERIOD: lastMonth, ...env });
  saveCredentials(ctx.db, username, await hashPassword(password, { N: 2 ** 12, r: 8, p: 1 }));
  running = await startServer(ctx, 0, '127.0.0.1');
  const client = (await soap.createClientAsync(`${running.url}/api/qbwc?wsdl`, {
    endpoint: `${running.url}/api/qbwc`,
  })) as unknown as WcClient;
  return client;
}

/**
 * January of this year: always in the first session (the backlog from January is at most ten months, within
 * the twelve reports a session asks for), and the sample's January amounts are its base amounts.
 */
const january = `${today.getUTCFullYear()}-01`;

describe('a real SOAP client built from our WSDL', () => {
  it('drives a whole session against the real work: every metric of a month lands to the cent', async () => {
    const client = await gateway({ QBWC_START_PERIOD: january });
    expect((await client.serverVersionAsync({}))[0].serverVersionResult).toMatch(/^qb-bridge/);
    expect((await client.clientVersionAsync({ strVersion: '2.3.0.215' }))[0]?.clientVersionResult ?? '').toBe(
      '',
    );
    const [auth] = await client.authenticateAsync({ strUserName: username, strPassword: password });
    const [ticket, status] = auth.authenticateResult.string;
    expect(status ?? '').toBe('');
    const asked: string[] = [];
    const percents: number[] = [];
    for (let i = 0; i < 40; i++) {
      const [send] = await client.sendRequestXMLAsync({
        ticket,
        strHCPResponse: i === 0 ? sampleHcpResponse() : '',
        strCompanyFileName: 'C:\\Company Files\\Acme.QBW',
        qbXMLCountry: 'US',
        qbXMLMajorVers: 13,
        qbXMLMinorVers: 0,
      });
      const request = send?.sendRequestXMLResult ?? '';
      expect(request).toMatch(/^<\?xml version="1.0" encoding="utf-8"\?>\s*<\?qbxml version="13.0"\?>/);
      asked.push(/<(GeneralSummaryReportQueryRq|EmployeeQueryRq)/.exec(request)![1]!);
      const [received] = await client.receiveResponseXMLAsync({
        ticket,
        response: answerSampleRequest(request),
        hresult: '',
        message: '',
      });
      percents.push(Number(received.receiveResponseXMLResult));
      if (percents.at(-1)! >= 100 || percents.at(-1)! < 0) break;
    }
    expect(percents.at(-1)).toBe(100);
    expect(asked.at(-1)).toBe('EmployeeQueryRq');
    expect(asked.filter((a) => a === 'GeneralSummaryReportQueryRq').length).toBeGreaterThanOrEqual(2);
    expect((await client.closeConnectionAsync({ ticket }))[0].closeConnectionResult).toMatch(/^OK/);

    const c = ctx!;
    const session = c.db.prepare('SELECT status, queries_completed FROM qbwc_sync_sessions').get();
    expect(session).toEqual({ status: 'completed', queries_completed: asked.length });
    const rows = c.db
      .prepare(
        `SELECT metric_name, metric_value FROM qbr_metrics_monthly WHERE period = ? AND metric_name <> 'employees'`,
      )
      .all(january) as Array<{ metric_name: string; metric_value: string }>;
    const month = Object.fromEntries(rows.map((r) => [r.metric_name, r.metric_value]));
    // The sample's January P&L (sample-responses.ts), through the default mappings:
    expect(month).toEqual({
      // Managed Services: Monitoring 50,000.00 + Help Desk 30,000.00 + Service Credits (Rückerstattung) −1,250.00
      mrr: '78750.00',
      // Professional Services
      nrr: '25000.00',
      orr: '0.00',
      // Hardware Sales
      product_sales: '4321.09',
      // 7000 · Interest Income matches no default mapping: unmapped, so in no metric
      misc_revenue: '0.00',
      // Payroll Expenses: Wages 30,000.00 + Payroll Taxes 2,295.00 (the Officer Salary goes to owner_comp)
      employee_expense: '32295.00',
      // Payroll Expenses: Officer Salary (José Núñez), %Officer% outranks %Payroll%
      owner_comp: '8000.00',
      owner_comp_taxes: '0.00',
      // Cost of Goods Sold: Subcontractors 12,000.00 + Hardware for Resale 2,750.55
      product_cogs: '14750.55',
      // Rent Expense 20,000.00 + Office Expenses: Supplies 480.00 + Supplier Refunds −82.50
      // (Café & Meals (Ngụy) 123.45 matches no mapping: unmapped)
      other_expenses: '20397.50',
      // 78,750.00 + 25,000.00 + 0 + 4,321.09 + 0
      total_revenue: '108071.09',
      // 32,295.00 + 8,000.00 + 0 + 14,750.55 + 20,397.50
      total_expenses: '75443.05',
      // 108,071.09 − 75,443.05
      net_profit: '32628.04',
    });
    // Net Income in QuickBooks = 108,071.09 − 14,750.55 − 60,815.95 (expenses incl. Café 123.45) + 42.17 interest
    // = 32,546.76 = net_profit 32,628.04 + the unmapped −123.45 + 42.17: the month reconciles to the cent.
    const history = c.db
      .prepare(`SELECT parsed_data FROM qbwc_sync_history WHERE sync_type = 'profit_loss' AND period = ?`)
      .pluck()
      .get(january) as string;
    expect(JSON.parse(history)).toMatchObject({
      net_income_reported: '32546.76',
      net_income_matches: true,
      unmapped_count: 2,
      unmapped: [
        expect.objectContaining({ account: '6800 · Café & Meals (Ngụy)', amount: '123.45' }),
        expect.objectContaining({ account: '7000 · Interest Income', amount: '42.17' }),
      ],
    });
    const employees = c.db
      .prepare(`SELECT metric_value FROM qbr_metrics_monthly WHERE metric_name = 'employees' AND period = ?`)
      .pluck()
      .get(today.toISOString().slice(0, 7));
    expect(employees).toBe(String(sampleEmployeeCount));

    // Right after a complete sync there is nothing new: "none" keeps QuickBooks closed.
    const [again] = await client.authenticateAsync({ strUserName: username, strPassword: password });
    expect(again.authenticateResult.string[1]).toBe('none');
  });

  it('tells a second concurrent Web Connector that the user is busy', async () => {
    const client = await gateway();
    const [first] = await client.authenticateAsync({ strUserName: username, strPassword: password });
    expect(first.authenticateResult.string[0]).toMatch(/^[0-9a-f]{64}$/);
    const [second] = await client.authenticateAsync({ strUserName: username, strPassword: password });
    expect(second.authenticateResult.string.slice(0, 2).map((s) => s ?? '')).toEqual(['', 'busy']);
  });

  it('serves the WSDL with every method and the address from PUBLIC_URL', async () => {
    await gateway({ PUBLIC_URL: 'https://bridge.example.com' });
    const wsdl = await (await fetch(`${running!.url}/api/qbwc?wsdl`)).text();
    expect(wsdl).toContain('<soap:address location="https://bridge.example.com/api/qbwc" />');
    for (const op of [
      'serverVersion',
      'clientVersion',
      'connectionError',
      'getInteractiveURL',
      'interactiveRejected',
    ]) {
      expect(wsdl).toContain(`soapAction="http://developer.intuit.com/${op}"`);
    }
    expect(wsdl).toMatch(/<s:element name="serverVersion"><s:complexType \/><\/s:element>/);
  });

  it('serves the QWC file only with an API token, with stable ids and a same-host AppSupport', async () => {
    await gateway({ PUBLIC_URL: 'https://bridge.example.com' });
    expect((await fetch(`${running!.url}/api/qbwc/app.qwc`)).status).toBe(401);
    const { createApiToken } = await import('../../gateway/src/auth/api-tokens');
    const { token } = createApiToken(ctx!.db, 'test');
    const get = () =>
      fetch(`${running!.url}/api/qbwc/app.qwc`, { headers: { Authorization: `Bearer ${token}` } });
    const first = await get();
    expect(first.headers.get('content-disposition')).toContain('qb-bridge.qwc');
    const qwc = await first.text();
    expect(qwc).toContain('<AppURL>https://bridge.example.com/api/qbwc</AppURL>');
    expect(qwc).toContain('<AppSupport>https://bridge.example.com/qbwc/support</AppSupport>');
    expect(qwc).toContain('<IsReadOnly>true</IsReadOnly>');
    expect(qwc).toContain(`<UserName>${username}</UserName>`);
    expect(qwc).toMatch(/<OwnerID>\{[0-9A-F-]{36}\}<\/OwnerID>/);
    expect(await (await get()).text()).toBe(qwc);
    expect((await fetch(`${running!.url}/qbwc/support`)).status).toBe(200);
  });
});

describe('QWC URL rules and the qbwc commands', () => {
  it('rejects plain http (except localhost), IP addresses and junk', () => {
    expect(qwcUrls('https://bridge.example.com/').appUrl).toBe('https://bridge.example.com/api/qbwc');
    expect(qwcUrls('http://localhost:8787/api/qbwc').supportUrl).toBe('http://localhost:8787/qbwc/support');
    expect(() => qwcUrls('http://bridge.example.com')).toThrow(/https/);
    expect(() => qwcUrls('https://203.0.113.5')).toThrow(/IP address/);
    expect(() => qwcUrls('http://127.0.0.1:8787')).toThrow(/IP address/);
    expect(() => qwcUrls('https://[::1]/')).toThrow(/IP address/);
    expect(() => qwcUrls('not a url')).toThrow(/absolute URL/);
  });

  it('set-password, qwc and play-session work from the command line', async () => {
    const dir = tempDir();
    const env = { DATA_DIR: dir, LOG_LEVEL: 'silent', QBWC_USERNAME: 'acme' };
    const set = runCli(['qbwc', 'set-password', '--password-stdin'], env, 'correct-horse-battery\n');
    expect(set.code).toBe(0);
    expect(set.stderr).toContain('"acme" saved');
    expect(runCli(['qbwc', 'set-password', '--password-stdin'], env, 'short\n').code).toBe(2);
    expect(runCli(['qbwc', 'qwc', '--url', 'https://10.0.0.1'], env).code).toBe(2);
    const qwc = runCli(['qbwc', 'qwc', '--url', 'https://bridge.example.com', '--out', '-'], env);
    expect(qwc.code).toBe(0);
    expect(qwc.stdout).toContain('<UserName>acme</UserName>');

    ctx = testContext(env);
    running = await startServer(ctx, 0, '127.0.0.1');
    const { spawn } = await import('node:child_process');
    const { cliPath } = await import('../helpers/cli');
    const play = spawn(
      process.execPath,
      [cliPath, 'qbwc', 'play-session', '--url', running.url, '--password-stdin', '--json'],
      {
        cwd: dir,
        env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...env },
      },
    );
    play.stdin.end('correct-horse-battery\n');
    let out = '';
    play.stdout.on('data', (chunk) => {
      out += String(chunk);
    });
    const code = await new Promise<number | null>((resolve) => play.on('close', resolve));
    expect(code).toBe(0);
    const result = JSON.parse(out) as { outcome: string; percents: number[]; requestKinds: string[] };
    expect(result.outcome).toBe('completed');
    expect(result.percents.at(-1)).toBe(100);
    expect(result.requestKinds.at(-1)).toBe('EmployeeQueryRq');
  }, 60_000); // five CLI processes, each a fresh Node start: slow on a busy two-core machine
});
