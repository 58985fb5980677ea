import { afterEach, describe, expect, it } from 'vitest';
import { createApiToken } from '../../gateway/src/auth/api-tokens';
import { docNumber } from '../../gateway/src/mis/map-row';
import { closeMisPool } from '../../gateway/src/mis/routes';
import { QboLedger } from '../../gateway/src/qbo/exactly-once/ledger';
import { createApp } from '../../gateway/src/server/app';
import { type MisHarness, startMisHarness } from './helpers';

/**
 * Issue 13: an MIS invoice QuickBooks refused (its number was already used by someone else's invoice) is
 * sent again when the caller asks (`retry_rejected`, the REST twin of `--retry-rejected`), and on its own
 * once the invoice holding the number is gone.
 */
describe('MIS invoices QuickBooks refused', () => {
  let h: MisHarness;
  afterEach(async () => {
    await closeMisPool(h.ctx);
    await h.close();
  });

  async function single(id: number, token: string, body?: Record<string, unknown>) {
    const res = await createApp(h.ctx).request(`/api/v1/sync/single/${id}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return (await res.json()) as { data: { successful: number; failed: number } };
  }

  it('goes again with retry_rejected, and by itself once the number is free', async () => {
    h = await startMisHarness();
    const { token } = createApiToken(h.ctx.db, 'test');
    const customer = String(h.emulator.entities(h.realm, 'Customer')[0]?.Id);
    const item = String(h.emulator.entities(h.realm, 'Item')[0]?.Id);
    const holder = h.emulator.create(h.realm, 'Invoice', {
      CustomerRef: { value: customer },
      DocNumber: docNumber(102),
      Line: [
        { DetailType: 'SalesItemLineDetail', Amount: 1, SalesItemLineDetail: { ItemRef: { value: item } } },
      ],
    });
    expect((await single(102, token)).data).toMatchObject({ successful: 0, failed: 1 });
    const ledger = new QboLedger(h.ctx.db);
    const row = () => ledger.find(h.realm, 'mis:invoice:102', 'Invoice')!;
    expect(row().state).toBe('rejected');
    // The refusal is a day old (a QuickBooks answer needs no wait anyway; rejected-retry.ts).
    const aDayAgo = () =>
      h.ctx.db
        .prepare('UPDATE qbo_ledger SET sent_at = ?, unprotected_at = NULL WHERE id = ?')
        .run(new Date(Date.now() - 86_400_000).toISOString(), row().id);
    aDayAgo();
    const first = row().requestId;

    // Asked again without the flag while the number is still taken: nothing is sent.
    expect((await single(102, token)).data).toMatchObject({ failed: 1 });
    expect(row().requestId).toBe(first);

    // With the flag it is sent once more (a new requestid) and refused again: the number is still taken.
    expect((await single(102, token, { retry_rejected: true })).data).toMatchObject({ failed: 1 });
    expect(row().requestId).not.toBe(first);
    expect(row().state).toBe('rejected');

    // The user deletes the other invoice: the next ordinary run sees the number free and creates ours.
    aDayAgo();
    h.emulator.remove(h.realm, 'Invoice', String(holder.Id));
    expect((await single(102, token)).data).toMatchObject({ successful: 1, failed: 0 });
    const ours = h.emulator.entities(h.realm, 'Invoice').filter((i) => i.DocNumber === docNumber(102));
    expect(ours).toHaveLength(1);
    expect(row()).toMatchObject({ state: 'created', qboId: String(ours[0]?.Id) });
  });
});
