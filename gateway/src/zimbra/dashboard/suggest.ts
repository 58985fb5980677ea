import { siblingKey } from '../reconcile';

/**
 * Which QuickBooks customers a domain probably belongs to, best first: the customer a sibling domain is
 * mapped to (`mail.example.com` → whoever has `example.com`), then customers whose name, reduced to letters
 * and digits, contains the domain's name part or is contained in it (`coolcars.net` → "Cool Cars"), then
 * those sharing a word of four letters or more with it. Pure; at most `limit` suggestions.
 */

export interface Party {
  id: string;
  name: string;
}

export interface Suggestion extends Party {
  why: string;
}

const compact = (text: string) => text.toLowerCase().replace(/[^a-z0-9]/g, '');

/** `amysbirds` for `mail.amysbirds.com`, `example` for `shop.example.co.uk`. */
export function domainStem(domain: string): string {
  return compact(siblingKey(domain).split('.')[0] ?? '');
}

function words(name: string): string[] {
  return name
    .toLowerCase()
    .split(/[^a-z0-9]+/)
    .filter((w) => w.length >= 4);
}

function nameScore(stem: string, name: string): number {
  const n = compact(name);
  if (!stem || !n) return 0;
  if (n === stem) return 3;
  if (n.includes(stem) || stem.includes(n)) return 2;
  return words(name).some((w) => stem.includes(w)) ? 1 : 0;
}

export function suggestCustomers(
  domain: string,
  customers: readonly Party[],
  sibling: { customerId: string; customerName: string; via: string } | null,
  limit = 3,
): Suggestion[] {
  const out: Suggestion[] = [];
  if (sibling) {
    out.push({ id: sibling.customerId, name: sibling.customerName, why: `like ${sibling.via}` });
  }
  const stem = domainStem(domain);
  const scored = customers
    .map((c) => ({ c, score: nameScore(stem, c.name) }))
    .filter((s) => s.score > 0 && !out.some((o) => o.id === s.c.id))
    .sort((a, b) => b.score - a.score || a.c.name.localeCompare(b.c.name));
  for (const { c } of scored) out.push({ ...c, why: 'name resembles the domain' });
  return out.slice(0, limit);
}

/**
 * The service item a class of service probably bills as: one whose name carries the CoS quota
 * (`premium-50gb` → "Storage 50GB"), else one sharing a word of four letters or more with the CoS name.
 */
export function suggestItem<T extends Party>(
  cos: string,
  quotaGb: number | null,
  items: readonly T[],
): T | null {
  const byQuota =
    quotaGb === null ? [] : items.filter((i) => new RegExp(`(^|[^0-9])${quotaGb}\\s*gb`, 'i').test(i.name));
  if (byQuota.length > 0) return byQuota[0]!;
  const cosWords = words(cos);
  return items.find((i) => words(i.name).some((w) => cosWords.includes(w))) ?? null;
}
