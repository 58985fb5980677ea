import { afterEach, describe, expect, it } from 'vitest';
import { createRunLookups } from '../../gateway/src/qbo/exactly-once/lookups';
import { createQboClient } from '../../gateway/src/qbo/http/client';
import { qboQuery } from '../../gateway/src/qbo/query';
import { capturingLogger } from '../helpers/context';
import { type Harness, startHarness } from './helpers';

describe('QBO client against the emulator', () => {
  let h: Harness;
  afterEach(async () => h.close());

  it('reads CompanyInfo with minorversion 75, logs operation and intuit_tid, never the token', async () => {
    const capture = capturingLogger('info');
    h = await startHarness({ log: capture.log });
    const info = await h.client.companyInfo();
    expect(info.CompanyName).toBe('Sandbox Company_US_1');
    expect(new URL(h.urls[0]!).searchParams.get('minorversion')).toBe('75');
    const call = capture.lines
      .map((l) => JSON.parse(l) as { msg: string; qbo?: Record<string, unknown> })
      .find((l) => l.msg === 'qbo call');
    expect(call?.qbo).toMatchObject({ op: 'read CompanyInfo', status: 200 });
    expect(String(call?.qbo?.intuitTid)).toMatch(/\S+/);
    // Force a refresh too, so both the old and the new access token had a chance to leak.
    const oldToken = await h.vault.accessToken(h.realm);
    h.emulator.expireAccessTokens();
    await h.client.count('Customer');
    const newToken = await h.vault.accessToken(h.realm);
    expect(newToken).not.toBe(oldToken);
    expect(capture.text()).not.toContain(oldToken);
    expect(capture.text()).not.toContain(newToken);
  });

  it("finds Amy's Bird Sanctuary through an escaped query and answers empty results as no rows", async () => {
    h = await startHarness();
    const hit = await h.client.query(
      qboQuery('select * from Customer where DisplayName = ?', ["Amy's Bird Sanctuary"]),
    );
    expect((hit.Customer as Array<{ DisplayName: string }>)[0]?.DisplayName).toBe("Amy's Bird Sanctuary");
    const miss = await h.client.query(
      qboQuery('select * from Customer where DisplayName = ?', ["Nobody's \\ Home"]),
    );
    expect(miss.Customer).toBeUndefined();
    expect(await h.client.queryAll('Customer', qboQuery('DisplayName = ?', ['No such']))).toEqual([]);
  });

  it('pages past 1000 rows by Id and agrees with COUNT(*)', async () => {
    h = await startHarness();
    for (let i = 0; i < 1_500; i++)
      h.emulator.create(h.realm, 'Customer', { DisplayName: `Bulk Customer ${i}`, Active: i % 10 !== 0 });
    const all = await h.client.queryAll<{ Id: string }>('Customer', 'Active IN (true, false)');
    const expected = h.emulator.entities(h.realm, 'Customer').length;
    expect(all.length).toBe(expected);
    expect(new Set(all.map((c) => c.Id)).size).toBe(expected);
    expect(await h.client.count('Customer', 'Active IN (true, false)')).toBe(expected);
    const pages = h.urls
      .map((u) => new URL(u).searchParams.get('query') ?? '')
      .filter((q) => q.includes('MAXRESULTS'));
    expect(pages).toHaveLength(2);
    // The second page starts after the 1000th Id, not at position 1001.
    const thousandth = [...all.map((c) => Number(c.Id))].sort((a, b) => a - b)[999];
    expect(pages[1]).toContain(`and Id > '${thousandth}' ORDERBY Id STARTPOSITION 1 MAXRESULTS 1000`);
  });

  it('retries a read after a 5xx with backoff, and fails a bad query at once as a bug', async () => {
    h = await startHarness();
    h.emulator.faults.nextFaults.push('503', '500');
    expect(await h.client.count('Item')).toBeGreaterThan(0);
    expect(h.client.stats.backoffs).toBe(2);
    const error = await h.client
      .query('select * from Customer where DisplayName = Amy')
      .catch((e: unknown) => e);
    expect(error).toMatchObject({ category: 'bug', status: 400 });
    expect(h.client.stats.backoffs).toBe(2);
  });

  it('caches items, accounts and company info for the run', async () => {
    h = await startHarness();
    const lookups = createRunLookups(h.client);
    const [a, b] = await Promise.all([lookups.itemByName('Services'), lookups.itemByName('services')]);
    expect(a?.Name).toBe('Services');
    expect(b).toBe(a);
    await lookups.itemById(String(a?.Id));
    await lookups.itemById(String(a?.Id));
    expect((await lookups.accountByName('Utilities'))?.AccountType).toBe('Expense');
    await lookups.companyInfo();
    await lookups.companyInfo();
    expect(lookups.calls).toBe(4);
    expect(h.client.stats.calls).toBe(4);
    expect(await lookups.vendorByName('No Such Vendor')).toBeUndefined();
  });

  it('a 401 after a refresh is a reconnect problem with a fixable sentence', async () => {
    h = await startHarness();
    // A token source that keeps handing out a dead token, like a revoked app.
    const client = createQboClient(h.ctx, {
      tokens: { accessToken: async () => 'dead-token', refreshAfterRejection: async () => 'still-dead' },
      timeScale: 600,
    });
    const error = await client.companyInfo().catch((e: unknown) => e);
    expect(error).toMatchObject({ category: 'reconnect', status: 401 });
    expect((error as { userMessage(): string }).userMessage()).toContain('authorize-qbo');
  });
});
