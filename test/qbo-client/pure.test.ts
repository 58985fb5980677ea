import { describe, expect, it } from 'vitest';
import { buildExpenseLine, buildSalesLine, linesTotalCents } from '../../gateway/src/qbo/amounts';
import { cleanDisplayName, nameKey } from '../../gateway/src/qbo/exactly-once/name-key';
import { isOurs, keyMarkFor, markerFor, withMarker } from '../../gateway/src/qbo/exactly-once/resolve';
import { QboError } from '../../gateway/src/qbo/http/errors';
import { backoffDelay, decideRetry, defaultRetryPolicy } from '../../gateway/src/qbo/http/retry';
import { qboWebLink } from '../../gateway/src/qbo/links';

describe('amounts', () => {
  it('sends Amount = round(Qty × UnitPrice) so QuickBooks never answers 6070', () => {
    const line = buildSalesLine({
      itemId: '4',
      quantity: '4.5',
      unitPriceCents: 7500,
      description: 'Custom Design',
    });
    expect(line).toEqual({
      DetailType: 'SalesItemLineDetail',
      Amount: 337.5,
      Description: 'Custom Design',
      SalesItemLineDetail: { ItemRef: { value: '4' }, Qty: 4.5, UnitPrice: 75 },
    });
    // 1.005 × $1.00 = 1.005 → half up to 1.01 in integer arithmetic (1.005 * 100 in floats is 100.49999…).
    expect(buildSalesLine({ itemId: '1', quantity: '1.005', unitPriceCents: 100 }).Amount).toBe(1.01);
  });

  it('omits UnitPrice when only quantity and total are known', () => {
    const line = buildSalesLine({ itemId: '1', quantity: 3, amountCents: 1000 });
    expect(line.Amount).toBe(10);
    expect(line.SalesItemLineDetail).not.toHaveProperty('UnitPrice');
    expect(() => buildSalesLine({ itemId: '1' })).toThrow(/unit price or an amount/);
  });

  it('builds billable and non-billable expense lines and totals lines without SubTotal', () => {
    expect(
      buildExpenseLine({ accountId: '7', amountCents: 6000, customerId: '3' }).AccountBasedExpenseLineDetail,
    ).toMatchObject({
      BillableStatus: 'Billable',
      CustomerRef: { value: '3' },
    });
    expect(
      linesTotalCents([
        { Amount: 100.1 },
        { Amount: 0.2 },
        { DetailType: 'SubTotalLineDetail', Amount: 100.3 },
      ]),
    ).toBe(10030);
  });
});

describe('links', () => {
  it('builds production and sandbox deep links by Id', () => {
    expect(qboWebLink({ appUrl: 'https://app.qbo.intuit.com' }, 'Invoice', '266')).toBe(
      'https://app.qbo.intuit.com/app/invoice?txnId=266',
    );
    expect(qboWebLink({ appUrl: 'https://app.sandbox.qbo.intuit.com/' }, 'Vendor', '71')).toBe(
      'https://app.sandbox.qbo.intuit.com/app/vendordetail?nameId=71',
    );
    expect(qboWebLink({ appUrl: 'https://app.qbo.intuit.com' }, 'Customer', '1')).toContain(
      '/app/customerdetail?nameId=1',
    );
    expect(() => qboWebLink({ appUrl: 'https://x' }, 'Bill', 'INV-1')).toThrow();
  });
});

describe('names', () => {
  it('normalises spacing, case and curly quotes for comparison but keeps case for sending', () => {
    expect(cleanDisplayName('  Amy\u2019s   Bird  Sanctuary ')).toBe("Amy's Bird Sanctuary");
    expect(nameKey("AMY'S bird sanctuary")).toBe(nameKey(' Amy\u2019s Bird Sanctuary'));
  });
});

describe('ownership of an existing transaction', () => {
  const row = {
    entity: 'Invoice' as const,
    key: 'sheets:sheet-1:7',
    requestId: 'a'.repeat(32),
    lookup: { docNumber: 'INV-1' },
    payload: {
      CustomerRef: { value: '5' },
      DocNumber: 'INV-1',
      Line: [{ Amount: 12.5 }],
      PrivateNote: 'from sheet',
    },
  };

  it('marks the private note and recognises the marker, or the same customer and total', () => {
    const sent = withMarker(row);
    expect(sent.PrivateNote).toBe(`from sheet\n${markerFor(row.requestId)} key ${keyMarkFor(row)}`);
    expect(isOurs(row, { PrivateNote: sent.PrivateNote })).toBe(true);
    expect(
      isOurs(row, {
        CustomerRef: { value: '5' },
        Line: [{ Amount: 12.5 }, { DetailType: 'SubTotalLineDetail', Amount: 12.5 }],
      }),
    ).toBe(true);
    expect(isOurs(row, { CustomerRef: { value: '6' }, Line: [{ Amount: 12.5 }] })).toBe(false);
    expect(isOurs(row, { CustomerRef: { value: '5' }, Line: [{ Amount: 13 }] })).toBe(false);
  });

  it('without a DocNumber of ours only the marker counts: a same-customer, same-total sibling is not ours', () => {
    const marked = {
      ...row,
      lookup: { marker: { customerRef: '5', txnDate: '2024-05-31' } },
      payload: { CustomerRef: { value: '5' }, TxnDate: '2024-05-31', Line: [{ Amount: 12.5 }] },
    };
    expect(withMarker(marked).PrivateNote).toBe(`${markerFor(marked.requestId)} key ${keyMarkFor(marked)}`);
    expect(isOurs(marked, { PrivateNote: `edited\n${markerFor(marked.requestId)}` })).toBe(true);
    expect(isOurs(marked, { CustomerRef: { value: '5' }, Line: [{ Amount: 12.5 }] })).toBe(false);
    expect(
      isOurs(marked, {
        CustomerRef: { value: '5' },
        Line: [{ Amount: 12.5 }],
        PrivateNote: markerFor('b'.repeat(32)),
      }),
    ).toBe(false);
    // The same intent's key mark under another requestid (a restored ledger re-planned it): ours.
    const earlier = withMarker({ ...marked, requestId: 'c'.repeat(32) });
    expect(isOurs(marked, earlier)).toBe(true);
    expect(isOurs({ ...marked, key: 'sheets:sheet-1:8' }, earlier)).toBe(false);
  });
});

describe('retry policy', () => {
  const policy = { ...defaultRetryPolicy, timeScale: 1 };
  const err = (status: number, code = '') =>
    new QboError({ status, errors: code ? [{ code, message: '', detail: '', element: '' }] : [] });

  it('pauses on throttling for 60 s (+ ≤10% jitter) or Retry-After, without counting a failure', () => {
    const d = decideRetry(
      err(429),
      { kind: 'write', failures: 0, throttles: 0, refreshed: false },
      policy,
      () => 1,
    );
    expect(d).toEqual({ action: 'throttle', waitMs: 66_000 });
    const withHeader = new QboError({ status: 429, retryAfterSeconds: 5 });
    expect(
      decideRetry(withHeader, { kind: 'read', failures: 3, throttles: 0, refreshed: false }, policy, () => 0),
    ).toEqual({
      action: 'throttle',
      waitMs: 5_000,
    });
  });

  it('refreshes once on 401, backs off reads on 5xx, never re-sends a write blindly, never retries validation', () => {
    expect(
      decideRetry(err(401), { kind: 'write', failures: 0, throttles: 0, refreshed: false }, policy).action,
    ).toBe('refresh');
    expect(
      decideRetry(err(401), { kind: 'write', failures: 0, throttles: 0, refreshed: true }, policy).action,
    ).toBe('fail');
    expect(
      decideRetry(err(503), { kind: 'read', failures: 0, throttles: 0, refreshed: false }, policy).action,
    ).toBe('backoff');
    expect(
      decideRetry(err(503), { kind: 'write', failures: 0, throttles: 0, refreshed: false }, policy).action,
    ).toBe('fail');
    expect(
      decideRetry(err(400, '6070'), { kind: 'read', failures: 0, throttles: 0, refreshed: false }, policy)
        .action,
    ).toBe('fail');
  });

  it('backs off exponentially from 2 s with jitter, capped, and scaled for the emulator', () => {
    expect(backoffDelay(1, policy, () => 0)).toBe(1_000);
    expect(backoffDelay(1, policy, () => 1)).toBe(2_000);
    expect(backoffDelay(3, policy, () => 1)).toBe(8_000);
    expect(backoffDelay(20, policy, () => 1)).toBe(60_000);
    expect(backoffDelay(3, { ...policy, timeScale: 60 }, () => 1)).toBeCloseTo(8_000 / 60);
  });
});
