import { afterEach, describe, expect, it } from 'vitest';
import { createMany } from '../../gateway/src/qbo/exactly-once/batch';
import { findOrCreateName } from '../../gateway/src/qbo/exactly-once/names';
import { type CreateInput, createOnce } from '../../gateway/src/qbo/exactly-once/write-once';
import { type Harness, startHarness } from './helpers';

/**
 * 6240 (the name is used) on a Customer/Vendor create: QuickBooks keeps one name space across customers,
 * vendors and employees. A holder in our own list is the record we meant (the same name asked for under two
 * keys, or our own earlier create) and is adopted; any other holder is a rejection saying which list holds it.
 */
describe('6240 duplicate names', () => {
  let h: Harness;
  afterEach(async () => h.close());

  const customer = (key: string, name: string): CreateInput => ({
    key,
    entity: 'Customer',
    payload: { DisplayName: name },
    lookup: { displayName: name },
  });

  const named = (type: 'Customer' | 'Vendor', name: string) =>
    h.emulator.entities(h.realm, type).filter((c) => c.DisplayName === name);

  it('adopts our own customer when the same name is created under a second key (createOnce and createMany)', async () => {
    h = await startHarness();
    const first = await createOnce(h.client, h.ledger, customer('mis:customer:1', 'Twice Tutoring Ltd'));
    expect(first).toMatchObject({ state: 'created', adopted: false });
    const second = await createOnce(h.client, h.ledger, customer('mis:customer:2', 'twice  tutoring ltd'));
    expect(second).toMatchObject({ state: 'created', adopted: true });
    expect(second.state === 'created' && first.state === 'created' && second.qboId).toBe(
      first.state === 'created' && first.qboId,
    );
    const [third] = await createMany(h.client, h.ledger, [
      customer('sheets:customer:3', 'Twice Tutoring Ltd'),
    ]);
    expect(third).toMatchObject({ state: 'created', adopted: true });
    expect(h.ledger.get(third!.ledgerId)).toMatchObject({
      state: 'created',
      qboId: named('Customer', 'Twice Tutoring Ltd')[0]?.Id,
    });
    expect(named('Customer', 'Twice Tutoring Ltd')).toHaveLength(1);
  });

  it('rejects with a sentence naming the vendor or employee that holds the name', async () => {
    h = await startHarness();
    h.emulator.addEmployee(h.realm, 'Robin Field');
    const asCustomer = await createOnce(h.client, h.ledger, customer('mis:customer:hicks', 'Hicks Hardware'));
    expect(asCustomer).toMatchObject({
      state: 'rejected',
      code: '6240',
      message:
        'A vendor named "Hicks Hardware" already exists; QuickBooks needs customer and vendor names to differ — rename one (for example "Hicks Hardware (customer)").',
    });
    const outcomes = await createMany(h.client, h.ledger, [
      {
        key: 'bills:vendor:robin',
        entity: 'Vendor',
        payload: { DisplayName: 'Robin Field' },
        lookup: { displayName: 'Robin Field' },
      },
    ]);
    expect(outcomes[0]).toMatchObject({ state: 'rejected', code: '6240' });
    expect(outcomes[0]?.state === 'rejected' && outcomes[0].message).toBe(
      'An employee named "Robin Field" already exists; QuickBooks needs customer, vendor and employee names to differ — rename one (for example "Robin Field (vendor)").',
    );
    expect(named('Customer', 'Hicks Hardware')).toHaveLength(0);
    expect(named('Vendor', 'Robin Field')).toHaveLength(0);
  });

  it('an inactive customer holding the name is not adopted: the sentence says to make it active', async () => {
    h = await startHarness();
    h.emulator.create(h.realm, 'Customer', { DisplayName: 'Dormant Academy', Active: false });
    const outcome = await createOnce(h.client, h.ledger, customer('mis:customer:dormant', 'Dormant Academy'));
    expect(outcome).toMatchObject({ state: 'rejected', code: '6240' });
    expect(outcome.state === 'rejected' && outcome.message).toMatch(
      /customer "Dormant Academy" exists in QuickBooks but is inactive; make it active/,
    );
  });

  it('find-or-create: a customer created by someone else between the check and the create ends created in the ledger', async () => {
    let raced = false;
    const racing: typeof fetch = async (input, init) => {
      const url = new URL(String(input instanceof Request ? input.url : input));
      if (!raced && init?.method === 'POST' && url.pathname.endsWith('/customer')) {
        // Another process creates the same name just before our create arrives.
        raced = true;
        h.emulator.create(h.realm, 'Customer', { DisplayName: 'Racing Student Co' });
      }
      return fetch(input, init);
    };
    h = await startHarness({ client: { fetch: racing } });
    const found = await findOrCreateName(h.client, h.ledger, {
      entity: 'Customer',
      displayName: 'Racing Student Co',
      key: 'mis:customer:racing',
    });
    const [existing] = named('Customer', 'Racing Student Co');
    expect(raced).toBe(true);
    expect(found).toMatchObject({ id: String(existing?.Id), created: false, active: true });
    expect(named('Customer', 'Racing Student Co')).toHaveLength(1);
    const row = h.ledger.find(h.realm, 'mis:customer:racing', 'Customer');
    expect(row).toMatchObject({ state: 'created', qboId: String(existing?.Id), adopted: true });
    // The next run answers from QuickBooks without creating anything.
    const again = await findOrCreateName(h.client, h.ledger, {
      entity: 'Customer',
      displayName: 'Racing Student Co',
      key: 'mis:customer:racing',
    });
    expect(again).toMatchObject({ id: String(existing?.Id), created: false });
  });
});
