import { afterEach, describe, expect, it } from 'vitest';
import { createMany } from '../../gateway/src/qbo/exactly-once/batch';
import {
  detectDuplicateNumbersRefused,
  duplicatesRefusedByEvidence,
  evidenceHours,
  noteDuplicateNumbers,
  preferencesContradict,
} from '../../gateway/src/qbo/exactly-once/duplicate-numbers';
import { createOnce } from '../../gateway/src/qbo/exactly-once/write-once';
import { setMeta } from '../../gateway/src/store/meta';
import { testContext } from '../helpers/context';
import { coolCarsInvoices, customerId, type Harness, invoicesWithDocNumber, startHarness } from './helpers';

/**
 * Issue 13: where the company is known to refuse a duplicate number (QuickBooks answered 6140 recently and
 * its preferences do not say otherwise), a DocNumber row lost in a batch is looked up and sent again in a
 * batch at once; elsewhere it waits until the lost send is provably over and goes alone with its requestid.
 */
describe('per-company detection of the duplicate-number check (6140)', () => {
  let h: Harness;
  afterEach(async () => h.close());

  const invoices = (prefix: string, n: number) => coolCarsInvoices(h, prefix, n, 'dup:');

  /** The company refuses one of our numbers once: a row whose number someone else's invoice holds. */
  async function refuseOnce(): Promise<void> {
    const [clash] = invoices('USED', 1);
    const someoneElse = customerId(h.emulator, h.realm, "Amy's Bird Sanctuary");
    h.emulator.create(h.realm, 'Invoice', { ...clash!.payload, CustomerRef: { value: someoneElse } });
    const outcome = await createOnce(h.client, h.ledger, clash!);
    expect(outcome).toMatchObject({ state: 'rejected', code: '6140' });
  }

  let sent: string[] = [];
  let failBatches = 0;
  /**
   * A harness whose next `failBatches` /batch calls are answered 500 before they reach QuickBooks (nothing
   * ran). Injected here rather than in the emulator's fault queue, which the preferences read would take.
   */
  async function start(): Promise<void> {
    sent = [];
    failBatches = 0;
    h = await startHarness({
      client: {
        fetch: async (input, init) => {
          const url = String(input instanceof Request ? input.url : input);
          sent.push(url);
          if (failBatches > 0 && new URL(url).pathname.endsWith('/batch')) {
            failBatches -= 1;
            const fault = {
              Fault: { Error: [{ Message: 'Internal error', code: '10000' }], type: 'SystemFault' },
            };
            return new Response(JSON.stringify(fault), {
              status: 500,
              headers: { 'content-type': 'application/json' },
            });
          }
          return fetch(input, init);
        },
      },
    });
  }

  const paths = (suffix: string) => sent.filter((u) => new URL(u).pathname.endsWith(suffix));

  it('learns from a 6140 and keeps it per company and entity', async () => {
    h = await startHarness();
    expect(duplicatesRefusedByEvidence(h.ctx.db, h.realm, 'Invoice')).toBe(false);
    await refuseOnce();
    expect(duplicatesRefusedByEvidence(h.ctx.db, h.realm, 'Invoice')).toBe(true);
    expect(duplicatesRefusedByEvidence(h.ctx.db, h.realm, 'Bill')).toBe(false);
    expect(duplicatesRefusedByEvidence(h.ctx.db, 'another-realm', 'Invoice')).toBe(false);
    // Evidence ages out: a company may have turned the warning off since.
    const later = Date.now() + (evidenceHours + 1) * 3_600_000;
    expect(duplicatesRefusedByEvidence(h.ctx.db, h.realm, 'Invoice', later)).toBe(false);
    expect([...(await detectDuplicateNumbersRefused(h.client, h.ctx.db, ['Invoice', 'Bill']))]).toEqual([
      'Invoice',
    ]);
  });

  it('where known, a batch that failed before it ran is looked up and re-batched, not sent one by one', async () => {
    await start();
    await refuseOnce();
    failBatches = 1;
    const inputs = invoices('KNOWN', 30);

    const outcomes = await createMany(h.client, h.ledger, inputs);

    expect(outcomes.map((o) => o.state)).toEqual(inputs.map(() => 'created'));
    expect(paths('/batch')).toHaveLength(2);
    expect(paths('/invoice')).toHaveLength(1); // the refused one of refuseOnce
    for (const input of inputs)
      expect(invoicesWithDocNumber(h.emulator, h.realm, input.key.slice(4))).toBe(1);
  });

  it('where unknown, the same failure resends each row alone with its requestid', async () => {
    await start();
    failBatches = 1;
    const inputs = invoices('UNKNOWN', 30);

    const outcomes = await createMany(h.client, h.ledger, inputs);

    expect(outcomes.map((o) => o.state)).toEqual(inputs.map(() => 'created'));
    expect(paths('/batch')).toHaveLength(1);
    expect(paths('/invoice')).toHaveLength(30);
  });

  it('a resend before the lost commit is visible meets 6140 and adopts it: still one invoice per row', async () => {
    await start();
    await refuseOnce();
    // The batch commits, its answer is lost, and queries do not show the commit for 2 s: the lookup right
    // after finds nothing, the rows are re-batched at once and QuickBooks refuses every number as used.
    h.emulator.faults.queryLagMs = 2_000;
    h.emulator.faults.nextFaults.push('drop-after-commit');
    const inputs = invoices('LAGGED', 30);

    const outcomes = await createMany(h.client, h.ledger, inputs);

    expect(outcomes.every((o) => o.state === 'created' && o.adopted)).toBe(true);
    for (const input of inputs)
      expect(invoicesWithDocNumber(h.emulator, h.realm, input.key.slice(4))).toBe(1);
    expect(paths('/batch')).toHaveLength(2);
  });

  it('a lost batch that commits late, after its rows were re-batched, is refused: one invoice per row', async () => {
    await start();
    await refuseOnce();
    h.emulator.faults.lateCommitMs = 1_500;
    h.emulator.faults.nextFaults.push('late-commit');
    const inputs = invoices('LATE', 30);

    const outcomes = await createMany(h.client, h.ledger, inputs);

    expect(outcomes.map((o) => o.state)).toEqual(inputs.map(() => 'created'));
    expect(paths('/batch')).toHaveLength(2);
    // The first batch lands now, after the second created every row: QuickBooks refuses each number.
    await new Promise((resolve) => setTimeout(resolve, 2_500));
    for (const input of inputs)
      expect(invoicesWithDocNumber(h.emulator, h.realm, input.key.slice(4))).toBe(1);
  });

  it('forgets it when a lookup sees two invoices holding one of our numbers', async () => {
    await start();
    await refuseOnce();
    h.emulator.setDuplicateDocNumberCheck(false);
    const [row] = invoices('TWICE', 1);
    h.emulator.create(h.realm, 'Invoice', row!.payload);
    h.emulator.create(h.realm, 'Invoice', row!.payload);
    failBatches = 1;

    await createMany(h.client, h.ledger, [row!]);

    expect(duplicatesRefusedByEvidence(h.ctx.db, h.realm, 'Invoice')).toBe(false);
  });

  it('does not trust old evidence against preferences that say otherwise', async () => {
    h = await startHarness();
    noteDuplicateNumbers(h.ctx.db, h.realm, 'Bill', true, 'test');
    noteDuplicateNumbers(h.ctx.db, h.realm, 'Invoice', true, 'test');
    h.emulator.setDuplicateDocNumberCheck(false); // the emulator's WarnDuplicateBillNumber follows it
    h.emulator.setCustomTxnNumbers(false);

    const refused = await detectDuplicateNumbersRefused(h.client, h.ctx.db, ['Invoice', 'Bill']);

    expect([...refused]).toEqual([]);
    expect(duplicatesRefusedByEvidence(h.ctx.db, h.realm, 'Bill')).toBe(false);
    expect(duplicatesRefusedByEvidence(h.ctx.db, h.realm, 'Invoice')).toBe(false);
  });
});

describe('what speaks against trusting a 6140 (pure rules)', () => {
  const prefs = (customTxnNumbers: boolean, warnBill?: string) => ({
    SalesFormsPrefs: { CustomTxnNumbers: customTxnNumbers },
    ...(warnBill === undefined
      ? {}
      : { OtherPrefs: { NameValue: [{ Name: 'WarnDuplicateBillNumber', Value: warnBill }] } }),
  });

  it('invoices need custom transaction numbers on; bills need the duplicate bill warning not off', () => {
    expect(preferencesContradict(prefs(true), 'Invoice')).toBeUndefined();
    expect(preferencesContradict(prefs(false), 'Invoice')).toBe('custom transaction numbers are off');
    expect(preferencesContradict({}, 'Invoice')).toBe('custom transaction numbers are off');
    // The bill warning says nothing about invoices, and custom numbers say nothing about bills.
    expect(preferencesContradict(prefs(true, 'false'), 'Invoice')).toBeUndefined();
    expect(preferencesContradict(prefs(false), 'Bill')).toBeUndefined();
    expect(preferencesContradict(prefs(true, 'true'), 'Bill')).toBeUndefined();
    expect(preferencesContradict(prefs(true, 'false'), 'Bill')).toBe(
      'the duplicate bill number warning is off',
    );
    expect(preferencesContradict({ OtherPrefs: {} }, 'Bill')).toBeUndefined();
  });

  it('keeps evidence only for numbered transactions, forgets it at 24 h, and ignores a damaged record', () => {
    const ctx = testContext();
    const at = new Date('2026-12-01T00:00:00Z');
    noteDuplicateNumbers(ctx.db, 'r1', 'Customer', true, '6140', at);
    expect(duplicatesRefusedByEvidence(ctx.db, 'r1', 'Customer', at.getTime())).toBe(false);
    noteDuplicateNumbers(ctx.db, 'r1', 'Bill', true, '6140', at);
    expect(duplicatesRefusedByEvidence(ctx.db, 'r1', 'Bill', at.getTime())).toBe(true);
    const edge = at.getTime() + evidenceHours * 3_600_000;
    expect(duplicatesRefusedByEvidence(ctx.db, 'r1', 'Bill', edge - 1)).toBe(true);
    expect(duplicatesRefusedByEvidence(ctx.db, 'r1', 'Bill', edge)).toBe(false);
    for (const damaged of ['not json', '{"refused":"yes","at":"2026-12-01T00:00:00Z"}', '{"refused":true}']) {
      setMeta(ctx.db, 'qbo.duplicate_numbers.r2.Invoice', damaged);
      expect(duplicatesRefusedByEvidence(ctx.db, 'r2', 'Invoice', at.getTime())).toBe(false);
    }
    ctx.db.close();
  });
});
