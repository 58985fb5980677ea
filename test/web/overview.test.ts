import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiToken } from '../../gateway/src/auth/api-tokens';
import { connectDemoCompany } from '../../gateway/src/qbo/oauth/demo-connect';
import { safeNext } from '../../gateway/src/web/forms';
import { Client, type Dashboard, startDashboard } from './helpers';

let d: Dashboard;
let client: Client;
beforeAll(async () => {
  d = await startDashboard();
  client = new Client(d.url);
  await client.login();
});
afterAll(async () => {
  await d.close();
});

describe('Overview', { timeout: 60_000 }, () => {
  it('shows the connected company, warns before the hard expiry, and disconnects from the page', async () => {
    await connectDemoCompany(d.url, createApiToken(d.ctx.db, 'overview test').token);
    let page = await (await client.request('/')).text();
    expect(page).toContain(`data-field="realm">${d.emulator.realmId}<`);
    expect(page).toContain('data-field="status">connected<');
    expect(page).not.toContain('hard-expires on');

    d.ctx.db
      .prepare('UPDATE qbo_tokens SET refresh_hard_expires_at_ms = ? WHERE realm_id = ?')
      .run(Date.now() + 10 * 86_400_000, d.emulator.realmId);
    page = await (await client.request('/')).text();
    expect(page).toMatch(
      /class="notice warn" role="alert">refresh token hard-expires on \d{4}-\d{2}-\d{2} \(in 10 days\)/,
    );

    const csrf = /name="_csrf" value="([^"]+)"/.exec(page)![1]!;
    const out = await client.post('/overview/qbo/disconnect', { _csrf: csrf, realmId: d.emulator.realmId });
    expect(out.status).toBe(303);
    page = await (await client.request('/')).text();
    expect(page).toContain('Disconnected QuickBooks company');
    expect(page).toContain('No QuickBooks company is connected');
    expect(page).toContain('id="qbo-connect"');
    const audit = d.ctx.audit.recent({ limit: 50 }).find((r) => r.action.includes('disconnect'));
    expect(audit?.actor).toBe('user:alex');
  });

  it('shows a card per flow from the jobs table: configured, last run, counts, last error, live progress', async () => {
    const failed = d.ctx.jobs.start({ flow: 'mis', startedBy: 'test', total: 3 });
    d.ctx.jobs.fail(failed.id, 'MIS_DATABASE_URL is unreachable', {
      pending: 1,
      synced: 1,
      failed: 1,
      skipped: 0,
    });
    const running = d.ctx.jobs.start({ flow: 'zimbra', scope: '2026-11', startedBy: 'test', total: 12 });
    d.ctx.jobs.progress(running.id, { done: 5 });
    const page = await (await client.request('/')).text();
    const card = (flow: string) =>
      new RegExp(`<article class="card" data-flow="${flow}"[\\s\\S]*?</article>`).exec(page)![0];
    expect(card('mis')).toContain('not configured');
    expect(card('mis')).toContain('MIS_DATABASE_URL is unreachable');
    for (const [label, value] of [
      ['pending', 1],
      ['synced', 1],
      ['failed', 1],
      ['skipped', 0],
    ] as const) {
      expect(card('mis')).toContain(`data-field="${label}">${value}<`);
    }
    expect(card('zimbra')).toContain(`data-job="${running.id}"`);
    expect(card('zimbra')).toMatch(/<progress max="12" value="5"/);
    expect(card('qbwc')).toContain('href="/web-connector"');
    expect(card('sheets')).toContain('No runs yet.');
    d.ctx.jobs.finish(running.id, {});
  });
});

describe('safeNext', { timeout: 60_000 }, () => {
  it('keeps same-site paths and drops anything that could leave the site', () => {
    expect(safeNext('/audit?outcome=denied')).toBe('/audit?outcome=denied');
    for (const bad of [
      '//evil.example',
      '/\\evil.example',
      'https://evil.example',
      'javascript:alert(1)',
      undefined,
    ]) {
      expect(safeNext(bad)).toBe('/');
    }
  });
});
