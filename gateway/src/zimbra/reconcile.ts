import { globMatch } from './glob';
import type { HighWater } from './report/highwater';
import { quotaFromCosName } from './report/parse-report';
import type { CosRow, DomainRow, Exclusion } from './store';

/**
 * What a month's high-water marks mean for billing, given the mappings and exclusions: which (domain, CoS)
 * pairs are billable to which customer and item, which domains and CoS still need a mapping, and which are
 * excluded and why. Pure; the service feeds it from the store and acts on it.
 */

export interface BillableLine {
  domain: string;
  cos: string;
  quotaGb: number | null;
  highwater: number;
  peakDate: string;
  customerId: string;
  customerName: string;
  itemId: string;
  itemName: string;
}

export interface UnmappedDomain {
  domain: string;
  /** Accounts at the month's high-water marks, over all CoS. */
  accounts: number;
  suggestion: { customerId: string; customerName: string; via: string } | null;
}

export interface UnmappedCos {
  name: string;
  accounts: number;
  /** From the name when it carries one (`customer-50gb`), else null (asked when mapping). */
  quotaGb: number | null;
}

export interface ExcludedPair {
  domain: string;
  cos: string;
  highwater: number;
  reason: string;
}

export interface MonthPicture {
  highwater: HighWater[];
  billable: BillableLine[];
  unmappedDomains: UnmappedDomain[];
  unmappedCos: UnmappedCos[];
  excluded: ExcludedPair[];
  /** Pairs waiting on a mapping (domain or CoS unmapped): billed once mapped. */
  waiting: HighWater[];
}

const shortSecondLevel = new Set([
  'co',
  'com',
  'org',
  'net',
  'ac',
  'gov',
  'edu',
  'ltd',
  'plc',
  'or',
  'ne',
  'go',
]);

/** The part of a domain its siblings share: `example.com` for `mail.example.com`, `example.co.uk` too. */
export function siblingKey(domain: string): string {
  const labels = domain.split('.');
  const take = labels.length >= 3 && shortSecondLevel.has(labels[labels.length - 2]!) ? 3 : 2;
  return labels.slice(-take).join('.');
}

function exclusionOf(
  exclusions: readonly Exclusion[],
  kind: 'domain' | 'cos',
  name: string,
): Exclusion | undefined {
  return exclusions.find((e) => e.active && e.kind === kind && globMatch(e.pattern, name));
}

export function reconcileMonth(
  highwater: readonly HighWater[],
  domains: readonly DomainRow[],
  cosRows: readonly CosRow[],
  exclusions: readonly Exclusion[],
): MonthPicture {
  const domainBy = new Map(domains.map((d) => [d.domain, d]));
  const cosBy = new Map(cosRows.map((c) => [c.name, c]));
  const bySibling = new Map<string, DomainRow>();
  for (const d of domains) if (d.customerId && !d.excluded) bySibling.set(siblingKey(d.domain), d);

  const billable: BillableLine[] = [];
  const excluded: ExcludedPair[] = [];
  const waiting: HighWater[] = [];
  const unmappedDomains = new Map<string, UnmappedDomain>();
  const unmappedCos = new Map<string, UnmappedCos>();

  for (const hw of highwater) {
    const domain = domainBy.get(hw.domain);
    const cos = cosBy.get(hw.cos);
    const domainRule = domain?.excluded
      ? 'domain excluded by mapping'
      : exclusionOf(exclusions, 'domain', hw.domain);
    const cosRule = cos?.excluded ? 'CoS excluded by mapping' : exclusionOf(exclusions, 'cos', hw.cos);
    if (domainRule || cosRule) {
      const rule = domainRule ?? cosRule;
      excluded.push({
        domain: hw.domain,
        cos: hw.cos,
        highwater: hw.highwater,
        reason: typeof rule === 'string' ? rule : `${rule!.kind} pattern ${rule!.pattern}`,
      });
      continue;
    }
    const domainMapped = Boolean(domain?.customerId);
    const cosMapped = Boolean(cos?.itemId);
    if (!domainMapped) {
      const entry = unmappedDomains.get(hw.domain) ?? { domain: hw.domain, accounts: 0, suggestion: null };
      entry.accounts += hw.highwater;
      const sibling = bySibling.get(siblingKey(hw.domain));
      if (sibling && sibling.domain !== hw.domain) {
        entry.suggestion = {
          customerId: sibling.customerId!,
          customerName: sibling.customerName ?? '',
          via: sibling.domain,
        };
      }
      unmappedDomains.set(hw.domain, entry);
    }
    if (!cosMapped) {
      const entry = unmappedCos.get(hw.cos) ?? {
        name: hw.cos,
        accounts: 0,
        quotaGb: quotaFromCosName(hw.cos),
      };
      entry.accounts += hw.highwater;
      unmappedCos.set(hw.cos, entry);
    }
    if (!domainMapped || !cosMapped) {
      waiting.push(hw);
      continue;
    }
    if (hw.highwater === 0) continue;
    billable.push({
      domain: hw.domain,
      cos: hw.cos,
      quotaGb: cos!.quotaGb ?? quotaFromCosName(hw.cos),
      highwater: hw.highwater,
      peakDate: hw.peakDate,
      customerId: domain!.customerId!,
      customerName: domain!.customerName ?? domain!.customerId!,
      itemId: cos!.itemId!,
      itemName: cos!.itemName ?? cos!.itemId!,
    });
  }
  return {
    highwater: [...highwater],
    billable,
    unmappedDomains: [...unmappedDomains.values()],
    unmappedCos: [...unmappedCos.values()],
    excluded,
    waiting,
  };
}
