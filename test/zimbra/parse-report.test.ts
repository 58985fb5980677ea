import { describe, expect, it } from 'vitest';
import { formatReport } from '../../gateway/src/zimbra/report/format-report';
import {
  dateFromFileName,
  normalizeDomain,
  parseReport,
  quotaFromCosName,
} from '../../gateway/src/zimbra/report/parse-report';

const rule = '-'.repeat(60);

/** The verbatim sample of seed-systems.md §1.3. */
const seedSample = `${rule}
| Zimbra Mailbox Usage Report for 2025-03-07
${rule}
${rule}
| CoS Usage for domain1.com:
${rule}
- customer-50gb: 10
- customer-2gb: 5
${rule}

${rule}
| CoS Usage for domain2.com:
${rule}
- customer-50gb: 3
${rule}
`;

const asObject = (usage: Map<string, Map<string, number>>) =>
  Object.fromEntries([...usage].map(([d, cos]) => [d, Object.fromEntries(cos)]));

describe('parseReport', () => {
  it('reads the seed sample exactly', () => {
    const parsed = parseReport(seedSample, 'MailboxUsage_2025-03-07.txt');
    expect(asObject(parsed.usage)).toEqual({
      'domain1.com': { 'customer-50gb': 10, 'customer-2gb': 5 },
      'domain2.com': { 'customer-50gb': 3 },
    });
    expect(parsed.reportDate).toBe('2025-03-07');
    expect(parsed.dateSource).toBe('filename');
    expect(parsed.runs).toBe(1);
    expect(parsed.badLines).toEqual([]);
  });

  it('reads back what formatReport writes', () => {
    const text = formatReport('2025-10-14', [
      ['a.com', [['basic-2gb', 4]]],
      ['b.org', []],
    ]);
    const parsed = parseReport(text, 'x');
    expect(asObject(parsed.usage)).toEqual({ 'a.com': { 'basic-2gb': 4 }, 'b.org': {} });
    expect(parsed.reportDate).toBe('2025-10-14');
    expect(parsed.dateSource).toBe('header');
  });

  it('handles CRLF line ends, a byte-order mark and trailing spaces', () => {
    const text = `\uFEFF${seedSample.replace(/\n/g, '  \r\n')}`;
    const parsed = parseReport(text, 'MailboxUsage_2025-03-07.txt');
    expect(asObject(parsed.usage)).toEqual(asObject(parseReport(seedSample).usage));
    expect(parsed.badLines).toEqual([]);
  });

  it('keeps a domain listed with no accounts (header only)', () => {
    const text = `| CoS Usage for empty.com:\n${rule}\n${rule}\n| CoS Usage for full.com:\n- pro-10gb: 2\n`;
    expect(asObject(parseReport(text).usage)).toEqual({ 'empty.com': {}, 'full.com': { 'pro-10gb': 2 } });
  });

  it('counts stderr noise as bad lines and keeps going', () => {
    const text = `${seedSample}zmprov: warning: ldap connection slow\nTraceback (most recent call last):\n| CoS Usage for domain3.com:\n- basic-1gb: 7\n`;
    const parsed = parseReport(text, 'MailboxUsage_2025-03-07.txt');
    expect(parsed.usage.get('domain3.com')?.get('basic-1gb')).toBe(7);
    expect(parsed.badLines.map((b) => b.line)).toEqual([16, 17]);
    expect(parsed.badLines[0]?.reason).toMatch(/stderr/);
  });

  it('takes the highest count when several runs were appended to one file', () => {
    const run1 = formatReport('2025-03-07', [
      [
        'a.com',
        [
          ['std-5gb', 10],
          ['pro-50gb', 2],
        ],
      ],
    ]);
    const run2 = formatReport('2025-03-07', [
      [
        'a.com',
        [
          ['std-5gb', 8],
          ['pro-50gb', 3],
        ],
      ],
      ['b.com', [['std-5gb', 1]]],
    ]);
    const parsed = parseReport(`${run1}${run2}`, 'MailboxUsage_2025-03-07.txt');
    expect(parsed.runs).toBe(2);
    expect(asObject(parsed.usage)).toEqual({
      'a.com': { 'std-5gb': 10, 'pro-50gb': 3 },
      'b.com': { 'std-5gb': 1 },
    });
  });

  it('accepts punycode, Unicode IDN and numeric-TLD domains and folds case', () => {
    const text = [
      '| CoS Usage for xn--80ak6aa92e.xn--p1ai:',
      '- std-5gb: 1',
      '| CoS Usage for bücher.de:',
      '- std-5gb: 2',
      '| CoS Usage for intranet.123:',
      '- std-5gb: 3',
      '| CoS Usage for Example.COM:',
      '- STD-5GB: 4',
    ].join('\n');
    const parsed = parseReport(text);
    expect(asObject(parsed.usage)).toEqual({
      'xn--80ak6aa92e.xn--p1ai': { 'std-5gb': 1 },
      'xn--bcher-kva.de': { 'std-5gb': 2 },
      'intranet.123': { 'std-5gb': 3 },
      'example.com': { 'std-5gb': 4 },
    });
    expect(parsed.badLines).toEqual([]);
  });

  it('skips the CoS lines of an invalid domain header, counting each', () => {
    const text = [
      '| CoS Usage for not a domain:',
      '- std-5gb: 1',
      '- std-5gb: 2',
      '| CoS Usage for ok.com:',
      '- std-5gb: 3',
    ].join('\n');
    const parsed = parseReport(text);
    expect(asObject(parsed.usage)).toEqual({ 'ok.com': { 'std-5gb': 3 } });
    expect(parsed.badLines.map((b) => b.line)).toEqual([1, 2, 3]);
    expect(parsed.badLines[1]?.reason).toMatch(/invalid domain header/);
  });

  it('reports bad counts and CoS lines outside a domain', () => {
    const text = [
      '- orphan-1gb: 3',
      '| CoS Usage for ok.com:',
      '- std-5gb: many',
      '- std-2gb: -1',
      '- std-1gb: 1.5',
    ].join('\n');
    const parsed = parseReport(text);
    expect(parsed.badLines.map((b) => [b.line, b.reason.slice(0, 12)])).toEqual([
      [1, 'CoS line out'],
      [3, '"many" is no'],
      [4, '"-1" is not '],
      [5, '"1.5" is not'],
    ]);
    expect(asObject(parsed.usage)).toEqual({ 'ok.com': {} });
  });

  it('reads the legacy layout (bare domain, indented CoS lines)', () => {
    const text = 'example.com\n    customer-50gb: 10\n    customer-2gb: 5\nother.net\n    basic: 1\n';
    expect(asObject(parseReport(text).usage)).toEqual({
      'example.com': { 'customer-50gb': 10, 'customer-2gb': 5 },
      'other.net': { basic: 1 },
    });
  });

  it('never throws on empty or binary input', () => {
    expect(parseReport('').usage.size).toBe(0);
    const junk = parseReport('\u0000\u0001\uFFFD|||:::\n- : \n| CoS Usage for :\n');
    expect(junk.usage.size).toBe(0);
    expect(junk.badLines.length).toBe(3);
    expect(junk.reportDate).toBeNull();
    expect(junk.dateSource).toBeNull();
  });

  it('prefers the file name date over the header, and ignores an impossible header date', () => {
    const text = formatReport('2025-03-06', [['a.com', [['x', 1]]]]);
    expect(parseReport(text, 'MailboxUsage_2025-03-07.txt').reportDate).toBe('2025-03-07');
    expect(parseReport(text.replace('2025-03-06', '2025-02-30'), 'none.txt').reportDate).toBeNull();
  });
});

describe('dates, domains, quotas', () => {
  it('takes dates from file names in either pattern, refusing impossible ones', () => {
    expect(dateFromFileName('MailboxUsage_2025-03-07.txt')).toBe('2025-03-07');
    expect(dateFromFileName('/opt/x/MailboxUsage_2025_03_07.txt')).toBe('2025-03-07');
    expect(dateFromFileName('MailboxUsage_20250307.txt')).toBe('2025-03-07');
    expect(dateFromFileName('MailboxUsage_2025-02-30.txt')).toBeNull();
    expect(dateFromFileName('MailboxUsage.txt')).toBeNull();
  });

  it('normalizes domains', () => {
    expect(normalizeDomain('Contest.COM.')).toBe('contest.com');
    expect(normalizeDomain('localhost')).toBeNull();
    expect(normalizeDomain('-bad.com')).toBeNull();
    expect(normalizeDomain('a..com')).toBeNull();
    expect(normalizeDomain(`${'a'.repeat(64)}.com`)).toBeNull();
  });

  it('reads quotas from CoS names', () => {
    expect(quotaFromCosName('customer-50gb')).toBe(50);
    expect(quotaFromCosName('Pro 20 GB')).toBe(20);
    expect(quotaFromCosName('default')).toBeNull();
  });
});
