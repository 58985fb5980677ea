import { afterEach, describe, expect, it } from 'vitest';
import type { AppContext } from '../../gateway/src/app/context';
import { createApiToken } from '../../gateway/src/auth/api-tokens';
import type { Job } from '../../gateway/src/jobs/jobs';
import { jobRoutes } from '../../gateway/src/jobs/routes';
import { qbwcRequestBody } from '../../gateway/src/qbwc/play/play-session';
import { answerSampleRequest, sampleHcpResponse } from '../../gateway/src/qbwc/play/sample-responses';
import { createQbwcWork } from '../../gateway/src/qbwc/service';
import { hashPassword, saveCredentials } from '../../gateway/src/qbwc/sessions/credentials';
import { intuitNs } from '../../gateway/src/qbwc/soap/soap-envelope';
import { createQbwcSoapRoutes } from '../../gateway/src/qbwc/soap/soap-routes';
import { createApp } from '../../gateway/src/server/app';
import { testContext } from '../helpers/context';
import { password, receiveParams, sendParams, soapResult, username } from '../qbwc-soap/helpers';

let ctx: AppContext | undefined;
afterEach(() => {
  ctx?.close();
  ctx = undefined;
});

/** The gateway as the Web Connector and a dashboard see it: real SOAP service, real work, /api/jobs. */
/** `minIntervalMs` null: the work side takes QBWC_MIN_INTERVAL_MINUTES from the configuration, as in serve. */
async function gateway(minIntervalMs: number | null = 0, env: Record<string, string> = {}) {
  ctx = testContext(env);
  saveCredentials(ctx.db, username, await hashPassword(password, { N: 2 ** 12, r: 8, p: 1 }));
  const token = createApiToken(ctx.db, 'test').token;
  const clock = { now: new Date('2025-04-02T09:00:00Z') };
  const soap = createQbwcSoapRoutes({
    work: (c) =>
      createQbwcWork(c, { now: () => clock.now, ...(minIntervalMs === null ? {} : { minIntervalMs }) }),
    clock: () => clock.now,
  });
  const app = createApp(ctx, { modules: [soap, jobRoutes] });
  const call = async (method: string, params: ReadonlyArray<[string, string]> = []) => {
    const res = await app.request('/api/qbwc', {
      method: 'POST',
      body: qbwcRequestBody(method, params),
      headers: { 'Content-Type': 'text/xml; charset=utf-8', SOAPAction: `"${intuitNs}${method}"` },
    });
    return soapResult(await res.text(), method);
  };
  const jobs = async (): Promise<Job[]> => {
    const res = await app.request('/api/jobs?flow=qbwc', { headers: { Authorization: `Bearer ${token}` } });
    expect(res.status).toBe(200);
    return ((await res.json()) as { data: Job[] }).data;
  };
  const login = async () => {
    const { strings } = await call('authenticate', [
      ['strUserName', username],
      ['strPassword', password],
    ]);
    return strings[0]!;
  };
  /** sendRequestXML + receiveResponseXML with QuickBooks' (sample) answer; returns the percent. */
  const exchange = async (ticket: string, first = false) => {
    const request = (await call('sendRequestXML', sendParams(ticket, first ? sampleHcpResponse() : ''))).text;
    return Number(
      (await call('receiveResponseXML', receiveParams(ticket, answerSampleRequest(request)))).text,
    );
  };
  return { call, jobs, login, exchange, clock };
}

describe('a Web Connector session is a job (GET /api/jobs)', () => {
  it('runs with total = requests planned, counts responses, and ends done with what it wrote', async () => {
    const g = await gateway();
    const ticket = await g.login();
    // March (previous month), April (current month), the employee count
    expect(await g.jobs()).toEqual([
      expect.objectContaining({
        flow: 'qbwc',
        scope: username,
        state: 'running',
        total: 3,
        done: 0,
        failed: 0,
      }),
    ]);
    expect(await g.exchange(ticket, true)).toBe(33);
    expect(await g.jobs()).toEqual([expect.objectContaining({ state: 'running', done: 1, failed: 0 })]);
    expect(await g.exchange(ticket)).toBe(66);
    expect(await g.exchange(ticket)).toBe(100);
    expect((await g.call('closeConnection', [['ticket', ticket]])).text).toMatch(/^OK/);

    const [job] = await g.jobs();
    expect(job).toMatchObject({ state: 'done', total: 3, done: 3, failed: 0, error: null });
    expect(job!.finishedAt).not.toBeNull();
    expect(job!.summary).toMatchObject({
      periodsProcessed: ['2025-03', '2025-04'],
      // the sample P&L has two accounts no default mapping takes: Café & Meals (Ngụy), Interest Income
      unmappedCount: 2,
      employees: 3,
    });
    // every metric row the session wrote: 13 per P&L month and the headcount
    const rows = ctx!.db.prepare('SELECT COUNT(*) FROM qbr_metrics_monthly').pluck().get();
    expect(job!.summary!.metricsWritten).toBe(rows);
    expect(rows).toBe(27);
  });

  it('fails with the reason when QuickBooks is not running (connectionError)', async () => {
    const g = await gateway();
    const ticket = await g.login();
    await g.call('connectionError', [
      ['ticket', ticket],
      ['hresult', '0x80040408'],
      ['message', 'Could not start QuickBooks.'],
    ]);
    const [job] = await g.jobs();
    expect(job).toMatchObject({ state: 'failed', total: 3, done: 0, failed: 0 });
    expect(job!.error).toContain('0x80040408');
    expect(job!.summary).toMatchObject({ periodsProcessed: [], metricsWritten: 0 });
  });

  it('counts a response QuickBooks failed, and fails at closeConnection with what was done', async () => {
    const g = await gateway();
    const ticket = await g.login();
    expect(await g.exchange(ticket, true)).toBe(33);
    await g.call('sendRequestXML', sendParams(ticket));
    const percent = await g.call(
      'receiveResponseXML',
      receiveParams(
        ticket,
        '',
        '0x80040400',
        'QuickBooks found an error when parsing the provided XML text stream.',
      ),
    );
    expect(Number(percent.text)).toBeLessThan(0);
    expect(await g.jobs()).toEqual([expect.objectContaining({ state: 'running', done: 1, failed: 1 })]);
    await g.call('closeConnection', [['ticket', ticket]]);
    const [job] = await g.jobs();
    expect(job).toMatchObject({ state: 'failed', done: 1, failed: 1 });
    expect(job!.error).toContain('0x80040400');
    expect(job!.summary).toMatchObject({ periodsProcessed: ['2025-03'] });
  });

  it('is cancelled when a newer login supersedes its quiet session; the new session runs its own job', async () => {
    const g = await gateway();
    const first = await g.login();
    expect(await g.exchange(first, true)).toBe(33);
    g.clock.now = new Date(g.clock.now.getTime() + 6 * 60_000); // quiet for longer than the 5-minute grace
    const second = await g.login();
    expect(second).toMatch(/^[0-9a-f]{64}$/);
    const jobs = await g.jobs();
    expect(jobs).toHaveLength(2);
    expect(jobs.find((j) => j.state === 'cancelled')).toMatchObject({
      total: 3,
      done: 1,
      error: expect.stringContaining('newer'),
      summary: expect.objectContaining({ periodsProcessed: expect.any(Array) }),
    });
    expect(jobs.find((j) => j.state === 'running')).toMatchObject({ total: 3, done: 0 });
  });

  it('a login with nothing to do ("none") adds no job', async () => {
    const g = await gateway(15 * 60_000);
    const ticket = await g.login();
    for (let i = 0; i < 3; i++) await g.exchange(ticket, i === 0);
    await g.call('closeConnection', [['ticket', ticket]]);
    const { strings } = await g.call('authenticate', [
      ['strUserName', username],
      ['strPassword', password],
    ]);
    expect(strings[1]).toBe('none');
    expect((await g.jobs()).map((j) => j.state)).toEqual(['done']);
  });

  it('QBWC_MIN_INTERVAL_MINUTES sets how soon after a complete sync the next one runs', async () => {
    const completeThenLogin = async (env: Record<string, string>) => {
      const g = await gateway(null, env);
      const ticket = await g.login();
      for (let i = 0; i < 3; i++) await g.exchange(ticket, i === 0);
      await g.call('closeConnection', [['ticket', ticket]]);
      g.clock.now = new Date(g.clock.now.getTime() + 6 * 60_000);
      const { strings } = await g.call('authenticate', [
        ['strUserName', username],
        ['strPassword', password],
      ]);
      ctx?.close();
      ctx = undefined;
      return strings;
    };
    // 6 minutes after a complete sync: nothing due under the default 15, and the Web Connector is told so.
    expect((await completeThenLogin({})).slice(1)).toEqual(['none', '', '900']);
    expect((await completeThenLogin({ QBWC_MIN_INTERVAL_MINUTES: '5' })).slice(1)).toEqual(['', '', '']);
    expect((await completeThenLogin({ QBWC_MIN_INTERVAL_MINUTES: '0' })).slice(1)).toEqual(['', '', '']);
  });
});
