import { describe, expect, it } from 'vitest';
import { docNumberFor, lineDescription, missingLines } from '../../gateway/src/zimbra/billing/invoice-lines';
import { defaultExclusions, globMatch, validatePattern } from '../../gateway/src/zimbra/glob';
import { reconcileMonth, siblingKey } from '../../gateway/src/zimbra/reconcile';
import type { HighWater } from '../../gateway/src/zimbra/report/highwater';

const excluded = (kind: 'domain' | 'cos', name: string) =>
  defaultExclusions.some((e) => e.kind === kind && globMatch(e.pattern, name));

describe('exclusion globs', () => {
  it('match whole names with * and ?, case-insensitively, in linear time', () => {
    expect(globMatch('*.test', 'qa.Lab.TEST')).toBe(true);
    expect(globMatch('test-*', 'test-basic')).toBe(true);
    expect(globMatch('a?c', 'abc')).toBe(true);
    expect(globMatch('a?c', 'abbc')).toBe(false);
    expect(globMatch(`${'*a'.repeat(20)}b`, 'a'.repeat(5000))).toBe(false);
    expect(() => validatePattern('*')).toThrow(/everything/);
  });

  it('defaults spare real customers the seed excluded (contest.com, latestnews.com, greatest-5gb)', () => {
    for (const domain of ['contest.com', 'latestnews.com', 'testing.org', 'protest.net'])
      expect(excluded('domain', domain)).toBe(false);
    for (const domain of ['qa.test', 'foo.example', 'mailbox.archive'])
      expect(excluded('domain', domain)).toBe(true);
    expect(excluded('cos', 'greatest-5gb')).toBe(false);
    expect(excluded('cos', 'test-basic')).toBe(true);
    expect(excluded('cos', 'std-archive')).toBe(true);
  });
});

describe('reconcileMonth', () => {
  const hw = (domain: string, cos: string, highwater: number): HighWater => ({
    domain,
    cos,
    highwater,
    peakDate: '2025-10-07',
    samples: [{ date: '2025-10-07', count: highwater }],
  });
  const domain = (name: string, customerId: string | null, excludedFlag = false) => ({
    domain: name,
    customerId,
    customerName: customerId ? `Customer ${customerId}` : null,
    excluded: excludedFlag,
    firstSeen: null,
    lastSeen: null,
  });
  const cos = (name: string, itemId: string | null) => ({
    name,
    itemId,
    itemName: itemId ? `Item ${itemId}` : null,
    quotaGb: null,
    excluded: false,
    firstSeen: null,
    lastSeen: null,
  });

  it('splits billable, unmapped (with sibling suggestions), waiting and excluded; zero marks are not billed', () => {
    const picture = reconcileMonth(
      [
        hw('a.co.uk', 'std-5gb', 3),
        hw('mail.a.co.uk', 'std-5gb', 2),
        hw('b.com', 'new-cos', 4),
        hw('c.com', 'std-5gb', 0),
        hw('x.test', 'std-5gb', 9),
        hw('gone.com', 'std-5gb', 1),
      ],
      [domain('a.co.uk', '7'), domain('b.com', '8'), domain('c.com', '9'), domain('gone.com', null, true)],
      [cos('std-5gb', '12'), cos('new-cos', null)],
      defaultExclusions.map((e, i) => ({ ...e, id: i, active: true })),
    );
    expect(picture.billable.map((b) => [b.domain, b.customerId, b.quotaGb])).toEqual([['a.co.uk', '7', 5]]);
    expect(picture.unmappedDomains).toEqual([
      {
        domain: 'mail.a.co.uk',
        accounts: 2,
        suggestion: { customerId: '7', customerName: 'Customer 7', via: 'a.co.uk' },
      },
    ]);
    expect(picture.unmappedCos).toEqual([{ name: 'new-cos', accounts: 4, quotaGb: null }]);
    expect(picture.excluded.map((e) => [e.domain, e.reason])).toEqual([
      ['x.test', 'domain pattern *.test'],
      ['gone.com', 'domain excluded by mapping'],
    ]);
    expect(picture.waiting.map((w) => w.domain)).toEqual(['mail.a.co.uk', 'b.com']);
    expect(siblingKey('mail.example.com')).toBe('example.com');
    expect(siblingKey('mail.example.co.uk')).toBe('example.co.uk');
  });
});

describe('invoice lines', () => {
  it('DocNumbers are deterministic and at most 21 characters', () => {
    expect(docNumberFor({ year: 2025, month: 3 }, '58')).toBe('ZB202503-58');
    const long = docNumberFor({ year: 2025, month: 3 }, '123456789012345678');
    expect(long.length).toBeLessThanOrEqual(21);
    expect(long).toBe(docNumberFor({ year: 2025, month: 3 }, '123456789012345678'));
    expect(lineDescription('a.com', 'std-5gb', 5)).toBe('a.com - std-5gb (5GB)');
    expect(lineDescription('a.com', 'default', null)).toBe('a.com - default');
  });

  it('finds the lines an existing invoice lacks, by domain and CoS', () => {
    const line = (domain: string) => ({
      domain,
      cos: 'std',
      quotaGb: 5,
      quantity: 1,
      peakDate: '',
      itemId: '1',
      itemName: '',
      unitPriceCents: 1,
      amountCents: 1,
      description: '',
    });
    const plan = { lines: [line('a.com'), line('b.com')] } as unknown as Parameters<typeof missingLines>[1];
    const existing = {
      Line: [
        { DetailType: 'SalesItemLineDetail', Description: 'a.com - std (5GB)' },
        { DetailType: 'SubTotalLineDetail' },
      ],
    };
    expect(missingLines(existing, plan).map((l) => l.domain)).toEqual(['b.com']);
  });
});
