import { describe, expect, it } from 'vitest';
import { emulatorWithToken, firstError } from './helpers';

describe('emulator Bill delete', () => {
  it('deletes a bill with its SyncToken; it is gone for reads, and a second delete answers 610', async () => {
    const { api, emulator } = emulatorWithToken();
    const created = await api('POST', 'bill', {
      VendorRef: { value: '9' },
      DocNumber: 'DEL-1',
      Line: [
        {
          DetailType: 'AccountBasedExpenseLineDetail',
          Amount: 42,
          AccountBasedExpenseLineDetail: { AccountRef: { value: '6' } },
        },
      ],
    });
    const bill = created.json.Bill as Record<string, unknown>;
    const deleted = await api(
      'POST',
      'bill',
      { Id: bill.Id, SyncToken: bill.SyncToken },
      { operation: 'delete' },
    );
    expect(deleted.status).toBe(200);
    expect(deleted.json.Bill).toMatchObject({ Id: bill.Id, status: 'Deleted' });
    expect(emulator.entities(emulator.realmId, 'Bill').some((b) => b.Id === bill.Id)).toBe(false);
    expect((await api('GET', `bill/${String(bill.Id)}`)).status).toBe(400);
    const again = await api(
      'POST',
      'bill',
      { Id: bill.Id, SyncToken: bill.SyncToken },
      { operation: 'delete' },
    );
    expect(firstError(again.json).code).toBe('610');
    // The web link of a deleted bill no longer opens a page.
    expect((await emulator.fetch(`http://emulator.test/app/bill?txnId=${String(bill.Id)}`)).status).toBe(404);
  });
});
