import fs from 'node:fs';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { playZimbraDemo } from '../../gateway/src/zimbra/demo';
import { invoicesOf, startZimbraHarness, type ZimbraHarness } from './helpers';

let h: ZimbraHarness;
beforeEach(async () => {
  h = await startZimbraHarness();
});
afterEach(async () => {
  await h.close();
});

it('the demo bills the previous month from sample reports in a local folder', async () => {
  const demo = await playZimbraDemo(h.ctx, new Date('2026-01-05T12:00:00Z'));
  expect(demo.period).toBe('2025-12');
  expect(fs.readdirSync(h.reportDir).sort()).toEqual([
    'MailboxUsage_2025-12-07.txt',
    'MailboxUsage_2025-12-14.txt',
    'MailboxUsage_2025-12-21.txt',
    'MailboxUsage_2025-12-28.txt',
  ]);
  expect(demo.invoices).toBe(4);
  expect(demo.unmapped).toEqual(['newclient.io']);
  const invoices = invoicesOf(h.emulator, h.realm);
  expect(invoices).toHaveLength(4);
  expect(invoices.reduce((s, i) => s + Math.round(Number(i.TotalAmt) * 100), 0)).toBe(demo.totalCents);
  expect(fs.existsSync(demo.excelPath!)).toBe(true);
});
