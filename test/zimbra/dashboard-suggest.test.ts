import { describe, expect, it } from 'vitest';
import { domainStem, suggestCustomers, suggestItem } from '../../gateway/src/zimbra/dashboard/suggest';

const customers = [
  { id: '1', name: "Amy's Bird Sanctuary" },
  { id: '3', name: 'Cool Cars' },
  { id: '5', name: 'Dukes Basketball Camp' },
  { id: '9', name: 'Weiskopf Consulting' },
  { id: '12', name: 'Pacific Hosting Co' },
];

describe('customers suggested for an unmapped domain', () => {
  it('takes the name part of the domain, whatever its subdomain or two-part suffix', () => {
    expect(domainStem('mail.amysbirds.com')).toBe('amysbirds');
    expect(domainStem('shop.cool-cars.co.uk')).toBe('coolcars');
  });

  it('puts a mapped sibling domain first, then names that contain the domain or share a long word', () => {
    expect(suggestCustomers('coolcars.net', customers, null).map((s) => [s.id, s.why])).toEqual([
      ['3', 'name resembles the domain'],
    ]);
    expect(
      suggestCustomers('mail.dukesbasketball.org', customers, {
        customerId: '5',
        customerName: 'Dukes Basketball Camp',
        via: 'dukesbasketball.org',
      }).map((s) => [s.id, s.why]),
    ).toEqual([['5', 'like dukesbasketball.org']]);
    expect(suggestCustomers('weiskopf.de', customers, null).map((s) => s.id)).toEqual(['9']);
    expect(suggestCustomers('newclient.io', customers, null)).toEqual([]);
  });

  it('suggests at most three, best match first', () => {
    const many = [
      { id: 'word', name: 'Hosting Pacific Co' },
      { id: 'part', name: 'Hosting' },
      { id: 'same', name: 'Pacific Hosting' },
      { id: 'other', name: 'Books by Bessie' },
      { id: 'same too', name: 'pacifichosting' },
    ];
    expect(suggestCustomers('pacifichosting.com', many, null).map((s) => s.id)).toEqual([
      'same',
      'same too',
      'part',
    ]);
  });

  it('picks the item carrying the CoS quota, not one whose number only starts the same', () => {
    const items = [
      { id: 'e', name: 'Email Hosting' },
      { id: 's50', name: 'Storage 50GB' },
      { id: 's5', name: 'Storage 5 GB' },
    ];
    expect(suggestItem('premium-50gb', 50, items)?.id).toBe('s50');
    expect(suggestItem('standard-5gb', 5, items)?.id).toBe('s5');
    expect(suggestItem('hosting-basic', null, items)?.id).toBe('e');
    expect(suggestItem('archive-25gb', 25, items)).toBeNull();
  });
});
