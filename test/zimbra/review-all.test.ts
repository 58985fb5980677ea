import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createApiToken } from '../../gateway/src/auth/api-tokens';
import { createApp } from '../../gateway/src/server/app';
import { zimbraRoutes } from '../../gateway/src/zimbra/routes';
import { fetchUsage } from '../../gateway/src/zimbra/service';
import { ZimbraStore } from '../../gateway/src/zimbra/store';
import { runCliAsync } from '../helpers/cli';
import { itemIdOf, startZimbraHarness, writeReport, type ZimbraHarness } from './helpers';

/**
 * `reconcile-cos --review-all` and `GET /api/zimbra/unmapped?reviewAll=true`: mapped CoS whose QuickBooks
 * item was made inactive (QuickBooks' delete) or is gone, and CoS no report lists any more, are flagged,
 * and fixed over REST (remap, exclude, unmap), each change audited.
 */

let h: ZimbraHarness;
let app: ReturnType<typeof createApp>;
let token: string;
let hosting: string;
let retired: string;

beforeEach(async () => {
  h = await startZimbraHarness();
  token = createApiToken(h.ctx.db, 'ops').token;
  app = createApp(h.ctx, { modules: [zimbraRoutes] });
  // September still had old-2gb; October's reports no longer list it.
  writeReport(h.reportDir, '2025-09-07', [
    [
      'shop.example.com',
      [
        ['std-5gb', 2],
        ['old-2gb', 1],
      ],
    ],
  ]);
  for (const day of ['07', '14', '21', '28']) {
    writeReport(h.reportDir, `2025-10-${day}`, [
      [
        'shop.example.com',
        [
          ['std-5gb', 3],
          ['biz-50gb', 1],
        ],
      ],
    ]);
  }
  await fetchUsage(h.ctx, { year: 2025, month: 9 });
  await fetchUsage(h.ctx, { year: 2025, month: 10 });
  hosting = itemIdOf(h.emulator, h.realm, 'Email Hosting');
  // An item mapped when it was active and made inactive in QuickBooks since (how QuickBooks deletes items).
  const income = h.emulator.entities(h.realm, 'Item').find((i) => i.Id === hosting)!.IncomeAccountRef;
  retired = String(
    h.emulator.create(h.realm, 'Item', {
      Name: 'Business Mail (retired)',
      Type: 'Service',
      Active: false,
      IncomeAccountRef: income,
    }).Id,
  );
  const store = new ZimbraStore(h.ctx.db);
  store.setCos('std-5gb', { itemId: hosting, itemName: 'Email Hosting', quotaGb: 5 }, 'test');
  store.setCos('biz-50gb', { itemId: retired, itemName: 'Business Mail', quotaGb: 50 }, 'test');
  store.setCos('old-2gb', { itemId: hosting, itemName: 'Email Hosting', quotaGb: 2 }, 'test');
  store.setCos('gone-10gb', { itemId: '987654', itemName: 'Deleted Item', quotaGb: 10 }, 'test');
});
afterEach(async () => {
  await h.close();
});

async function call(method: string, path: string, body?: unknown) {
  const res = await app.request(path, {
    method,
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  // biome-ignore lint/suspicious/noExplicitAny: test reads the envelope loosely
  return { status: res.status, json: (await res.json()) as any };
}

const reasons = (list: Array<{ name: string; reasons: string[] }>) =>
  Object.fromEntries(list.map((o) => [o.name, o.reasons]));

describe('reviewing mapped CoS for obsolete mappings', () => {
  it('REST: flags inactive, missing and unreported CoS; remap, exclude and unmap fix them, audited', async () => {
    const plain = await call('GET', '/api/zimbra/unmapped?year=2025&month=10');
    expect(plain.json.data.obsoleteCos).toBeUndefined();

    const review = await call('GET', '/api/zimbra/unmapped?year=2025&month=10&reviewAll=true');
    expect(review.status).toBe(200);
    expect(review.json.data.itemsChecked).toBe(true);
    expect(reasons(review.json.data.obsoleteCos)).toEqual({
      'biz-50gb': ['item_inactive'],
      'gone-10gb': ['item_missing', 'not_in_reports'],
      'old-2gb': ['not_in_reports'],
    });
    const biz = review.json.data.obsoleteCos.find((o: { name: string }) => o.name === 'biz-50gb');
    expect(biz.problems[0]).toBe(
      `QuickBooks item Business Mail (Id ${retired}) is inactive or deleted; map biz-50gb to an active item or exclude it`,
    );

    expect((await call('PUT', '/api/zimbra/cos/biz-50gb', { itemId: hosting })).json.message).toBe(
      'CoS mapped',
    );
    expect((await call('PUT', '/api/zimbra/cos/gone-10gb', { exclude: true })).json.message).toBe(
      'CoS excluded',
    );
    const unmapped = await call('PUT', '/api/zimbra/cos/old-2gb', { unmap: true });
    expect(unmapped.status).toBe(200);
    expect(unmapped.json.message).toBe('CoS unmapped');
    expect(unmapped.json.data).toMatchObject({ name: 'old-2gb', itemId: null, excluded: false });
    expect((await call('PUT', '/api/zimbra/cos/never-seen', { unmap: true })).status).toBe(404);

    const after = await call('GET', '/api/zimbra/unmapped?year=2025&month=10&reviewAll=true');
    expect(after.json.data.obsoleteCos).toEqual([]);
    const audit = h.ctx.audit.recent().filter((a) => a.action === 'zimbra_cos_mapping');
    expect(audit.map((a) => [a.target, a.actor])).toEqual(
      expect.arrayContaining([
        ['biz-50gb', 'ops'],
        ['gone-10gb', 'ops'],
        ['old-2gb', 'ops'],
      ]),
    );
  });

  it('CLI: reconcile-cos --review-all lists each obsolete CoS with its problem and the fix (not a terminal)', async () => {
    const json = await runCliAsync(
      ['reconcile-cos', '--review-all', '--year', '2025', '--month', '10', '--json'],
      h.env,
    );
    expect(json.code).toBe(0);
    const listed = JSON.parse(json.stdout) as Array<{ name: string; obsolete?: { reasons: string[] } }>;
    expect(Object.fromEntries(listed.map((c) => [c.name, c.obsolete?.reasons ?? []]))).toEqual({
      'biz-50gb': ['item_inactive'],
      'gone-10gb': ['item_missing', 'not_in_reports'],
      'old-2gb': ['not_in_reports'],
      'std-5gb': [],
    });

    const text = await runCliAsync(
      ['reconcile-cos', '--review-all', '--year', '2025', '--month', '10'],
      h.env,
    );
    expect(text.code).toBe(0);
    expect(text.stdout).toContain(
      'OBSOLETE: old-2gb is in no report since 2025-10-01 (last seen 2025-09-07); unmap it (it is asked about again if it comes back)',
    );
    expect(text.stdout).toContain('3 obsolete: fix with PUT /api/zimbra/cos/:name');

    // Without --review-all nothing changes: only unmapped CoS are listed.
    const plain = await runCliAsync(['reconcile-cos', '--year', '2025', '--month', '10'], h.env);
    expect(plain.stdout).toContain('Every CoS seen in 2025-10 is mapped or excluded.');
  });
});
