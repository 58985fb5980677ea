import { afterEach, describe, expect, it } from 'vitest';
import { createMany } from '../../gateway/src/qbo/exactly-once/batch';
import {
  customerId,
  type Harness,
  invoicePayload,
  invoicesWithDocNumber,
  itemId,
  startHarness,
} from './helpers';

/**
 * A batch this run lost (5xx, dropped) is looked up at once; where the company refuses duplicate numbers
 * (`duplicateNumbersRefused`), its DocNumber rows that were not found go out again at once in a batch, not
 * one create each after the send is provably over: QuickBooks refuses a second object with the same
 * DocNumber (6140), so even a commit the lookup missed is adopted, never duplicated.
 */
describe('resending a lost batch', () => {
  let h: Harness;
  afterEach(async () => h.close());

  const paths = (urls: readonly string[]) => urls.map((u) => new URL(u).pathname.split('/').pop());

  async function thirtyInvoices(prefix: string) {
    const customer = customerId(h.emulator, h.realm, 'Cool Cars');
    const item = itemId(h.emulator, h.realm, 'Hours');
    const inputs = Array.from({ length: 30 }, (_, i) => ({
      key: `${prefix}:${i}`,
      entity: 'Invoice' as const,
      payload: invoicePayload(customer, item, `${prefix}-${i}`),
      lookup: { docNumber: `${prefix}-${i}` },
    }));
    return {
      inputs,
      outcomes: await createMany(h.client, h.ledger, inputs, { duplicateNumbersRefused: true }),
    };
  }

  it('a batch answered 5xx is looked up, then resent as one batch: every item once', async () => {
    h = await startHarness();
    h.emulator.faults.nextFaults.push('503');
    const { outcomes } = await thirtyInvoices('RB');
    expect(outcomes.every((o) => o.state === 'created' && !o.adopted)).toBe(true);
    for (let i = 0; i < 30; i++) expect(invoicesWithDocNumber(h.emulator, h.realm, `RB-${i}`)).toBe(1);
    expect(paths(h.urls)).toEqual(['batch', 'query', 'batch']);
  });

  it('a committed batch the lookup misses is refused on resend (6140) and adopted, not duplicated', async () => {
    let hiddenLookups = 1;
    const urls: string[] = [];
    const blind: typeof fetch = async (input, init) => {
      const url = new URL(String(input instanceof Request ? input.url : input));
      urls.push(url.toString());
      if (hiddenLookups > 0 && url.pathname.endsWith('/query')) {
        // The commit is not visible yet: QuickBooks answers the lookup with nothing.
        hiddenLookups -= 1;
        return new Response(JSON.stringify({ QueryResponse: {}, time: new Date().toISOString() }), {
          status: 200,
          headers: { 'content-type': 'application/json' },
        });
      }
      return fetch(input, init);
    };
    h = await startHarness({ client: { fetch: blind } });
    h.emulator.faults.nextFaults.push('drop-after-commit');
    const { outcomes } = await thirtyInvoices('RM');
    expect(hiddenLookups).toBe(0);
    expect(outcomes.every((o) => o.state === 'created' && o.adopted)).toBe(true);
    for (let i = 0; i < 30; i++) expect(invoicesWithDocNumber(h.emulator, h.realm, `RM-${i}`)).toBe(1);
    const created = new Map(
      h.emulator.entities(h.realm, 'Invoice').map((inv) => [String(inv.DocNumber), inv.Id]),
    );
    for (const [i, outcome] of outcomes.entries()) {
      expect(outcome.state === 'created' && outcome.qboId).toBe(String(created.get(`RM-${i}`)));
    }
    expect(paths(urls).filter((p) => p === 'batch')).toHaveLength(2);
    expect(paths(urls).filter((p) => p === 'invoice')).toHaveLength(0);
  });
});
