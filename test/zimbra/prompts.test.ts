import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { terminalPrompter } from '../../gateway/src/zimbra/prompts';

/** Feeds typed lines one at a time, each after the prompter has asked for it. */
function scripted(lines: string[]) {
  const input = new PassThrough();
  const output = new PassThrough();
  let shown = '';
  output.on('data', (d) => {
    shown += String(d);
    if (/: $/.test(shown) && lines.length > 0) input.write(`${lines.shift()}\n`);
  });
  return { prompter: terminalPrompter(input, output), shown: () => shown };
}

const customers = [
  { id: '1', name: "Amy's Bird Sanctuary" },
  { id: '3', name: 'Cool Cars' },
  { id: '5', name: 'Dukes Basketball Camp' },
];

describe('terminal prompts', () => {
  it('picks a customer by number, by narrowing, by suggestion; skips and excludes', async () => {
    const t = scripted(['2', 'dukes', '1', 's', '', 'x']);
    const item = { domain: 'new.com', accounts: 3, suggestion: null };
    expect(await t.prompter.domain(item, customers)).toEqual({ customerId: '3' });
    expect(await t.prompter.domain(item, customers)).toEqual({ customerId: '5' });
    const suggested = {
      domain: 'mail.cool.com',
      accounts: 1,
      suggestion: { customerId: '3', customerName: 'Cool Cars', via: 'cool.com' },
    };
    expect(await t.prompter.domain(suggested, customers)).toEqual({ customerId: '3' });
    expect(await t.prompter.domain(item, customers)).toBeNull();
    expect(await t.prompter.domain(item, customers)).toEqual({ exclude: true });
    expect(t.shown()).toContain('Domain new.com (3 accounts) is not assigned to a customer:');
    expect(t.shown()).toContain('s = Cool Cars (Id 3, like cool.com)');
    t.prompter.close();
  });

  it('asks the quota when the CoS name carries none', async () => {
    const t = scripted(['1', 'lots', '25']);
    const answer = await t.prompter.cos({ name: 'business', accounts: 4, quotaGb: null }, [
      { id: '12', name: 'Email Hosting', unitPriceCents: 450 },
    ]);
    expect(answer).toEqual({ itemId: '12', quotaGb: 25 });
    expect(t.shown()).toContain('Email Hosting $4.50 (Id 12)');
    t.prompter.close();
  });

  it('offers an obsolete CoS another item, exclusion, unmapping, or keeping it', async () => {
    const t = scripted(['1', 'u', 'x', '']);
    const item = {
      name: 'biz-50gb',
      itemId: '40',
      itemName: 'Business Mail',
      quotaGb: 50,
      lastSeen: '2025-10-28',
      reasons: ['item_inactive' as const],
      problems: [
        'QuickBooks item Business Mail (Id 40) is inactive or deleted; map biz-50gb to an active item or exclude it',
      ],
    };
    const items = [{ id: '12', name: 'Email Hosting', unitPriceCents: 450 }];
    expect(await t.prompter.obsoleteCos(item, items)).toEqual({ itemId: '12', quotaGb: 50 });
    expect(await t.prompter.obsoleteCos(item, items)).toEqual({ unmap: true });
    expect(await t.prompter.obsoleteCos(item, items)).toEqual({ exclude: true });
    expect(await t.prompter.obsoleteCos(item, items)).toBeNull();
    expect(t.shown()).toContain('CoS biz-50gb is mapped to Business Mail (Id 40), but:');
    expect(t.shown()).toContain('  - QuickBooks item Business Mail (Id 40) is inactive or deleted');
    expect(t.shown()).toContain('x = exclude, u = unmap, Enter = keep: ');
    t.prompter.close();
  });
});
