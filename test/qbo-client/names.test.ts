import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { findOrCreateName, NameConflictError } from '../../gateway/src/qbo/exactly-once/names';
import { createOnce } from '../../gateway/src/qbo/exactly-once/write-once';
import { type Harness, startHarness } from './helpers';

describe('find-or-create names against the emulator', () => {
  let h: Harness;
  beforeEach(async () => {
    h = await startHarness();
  });
  afterEach(async () => h.close());

  const conflict = (promise: Promise<unknown>) =>
    promise.then(
      () => {
        throw new Error('expected a NameConflictError');
      },
      (error: unknown) => {
        expect(error).toBeInstanceOf(NameConflictError);
        return (error as NameConflictError).message;
      },
    );

  it('finds an existing customer whatever the case, spacing or apostrophe style', async () => {
    const before = h.emulator.entities(h.realm, 'Customer').length;
    const found = await findOrCreateName(h.client, h.ledger, {
      entity: 'Customer',
      displayName: '  amy\u2019s   BIRD sanctuary ',
    });
    expect(found).toMatchObject({ displayName: "Amy's Bird Sanctuary", created: false, active: true });
    expect(h.emulator.entities(h.realm, 'Customer').length).toBe(before);
  });

  it('creates a missing customer once; the next call finds it', async () => {
    const created = await findOrCreateName(h.client, h.ledger, {
      entity: 'Customer',
      displayName: 'New  Student Ltd',
      fields: { PrimaryEmailAddr: { Address: 'ap@newstudent.example' } },
    });
    expect(created).toMatchObject({ displayName: 'New Student Ltd', created: true });
    const again = await findOrCreateName(h.client, h.ledger, {
      entity: 'Customer',
      displayName: 'new student ltd',
    });
    expect(again).toMatchObject({ id: created.id, created: false });
    expect(
      h.emulator.entities(h.realm, 'Customer').filter((c) => c.DisplayName === 'New Student Ltd'),
    ).toHaveLength(1);
  });

  it('explains a vendor, an employee or an inactive record holding the name', async () => {
    h.emulator.create(h.realm, 'Vendor', { DisplayName: 'Acme Supplies' });
    expect(
      await conflict(
        findOrCreateName(h.client, h.ledger, { entity: 'Customer', displayName: 'Acme Supplies' }),
      ),
    ).toBe(
      'A vendor named "Acme Supplies" already exists; QuickBooks needs customer and vendor names to differ — rename one (for example "Acme Supplies (customer)").',
    );
    h.emulator.addEmployee(h.realm, 'Pat Jones');
    expect(
      await conflict(findOrCreateName(h.client, h.ledger, { entity: 'Vendor', displayName: 'pat jones' })),
    ).toMatch(
      /^An employee named "Pat Jones" already exists; QuickBooks needs customer, vendor and employee names to differ/,
    );
    h.emulator.create(h.realm, 'Customer', { DisplayName: 'Old Client', Active: false });
    expect(
      await conflict(findOrCreateName(h.client, h.ledger, { entity: 'Customer', displayName: 'Old Client' })),
    ).toMatch(/customer "Old Client" exists in QuickBooks but is inactive; make it active/);
    h.emulator.create(h.realm, 'Customer', { DisplayName: 'Gone Vendor Co' });
    expect(
      await conflict(
        findOrCreateName(h.client, h.ledger, { entity: 'Vendor', displayName: 'Gone Vendor Co' }),
      ),
    ).toMatch(/A customer named "Gone Vendor Co" already exists/);
    expect(
      await conflict(
        findOrCreateName(h.client, h.ledger, { entity: 'Customer', displayName: 'Parent:Child' }),
      ),
    ).toMatch(/contains ":"/);
  });

  it('a create refused with 6240 (name held by an employee) is rejected with the shared-name sentence', async () => {
    h.emulator.addEmployee(h.realm, 'Sam Lee');
    const outcome = await createOnce(h.client, h.ledger, {
      key: 'names:sam',
      entity: 'Customer',
      payload: { DisplayName: 'Sam Lee' },
      lookup: { displayName: 'Sam Lee' },
    });
    expect(outcome).toMatchObject({ state: 'rejected', code: '6240' });
    expect(outcome.state === 'rejected' && outcome.message).toMatch(
      /^An employee named "Sam Lee" already exists; QuickBooks needs customer, vendor and employee names to differ — rename one/,
    );
  });

  it('a customer create dropped after commit is found by DisplayName, not created twice', async () => {
    h.emulator.faults.nextFaults.push('drop-after-commit');
    const created = await findOrCreateName(h.client, h.ledger, {
      entity: 'Customer',
      displayName: 'Dropped Name Inc',
    });
    expect(created.id).toMatch(/^\d+$/);
    expect(
      h.emulator.entities(h.realm, 'Customer').filter((c) => c.DisplayName === 'Dropped Name Inc'),
    ).toHaveLength(1);
  });
});
