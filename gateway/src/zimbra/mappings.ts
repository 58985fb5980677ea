import type { AppContext } from '../app/context';
import { type QboClient, QboError } from '../qbo/index';
import { normalizeDomain, quotaFromCosName } from './report/parse-report';
import { ZimbraStore } from './store';

/**
 * Changing a domain or CoS mapping, from the CLI prompts, the non-interactive REST endpoints or the
 * dashboard: the QuickBooks customer or item is read first (it must exist and be active), the change is
 * stored and lands in the audit log with who made it.
 */

export class MappingError extends Error {
  constructor(
    message: string,
    readonly status: 400 | 404 = 400,
  ) {
    super(message);
    this.name = 'MappingError';
  }
}

export type DomainChange = { customerId: string } | { exclude: true };
/** `unmap` forgets a CoS's item (e.g. a CoS no longer in any report); it is asked about again if it returns. */
export type CosChange = { itemId: string; quotaGb?: number | null } | { exclude: true } | { unmap: true };

export type RecordState =
  | { state: 'active'; record: Record<string, unknown> }
  | { state: 'inactive'; record: Record<string, unknown> }
  | { state: 'missing' };

/** A customer or item by Id, and whether it can still be used (QuickBooks "deletes" by making inactive). */
export async function readRecordState(
  client: QboClient,
  entity: 'Customer' | 'Item',
  id: string,
): Promise<RecordState> {
  try {
    const record = await client.read(entity, id);
    return { state: record.Active === false ? 'inactive' : 'active', record };
  } catch (error) {
    if (error instanceof QboError && (error.hasCode('610') || error.status === 404 || error.status === 400)) {
      return { state: 'missing' };
    }
    throw error;
  }
}

async function readActive(
  client: QboClient,
  entity: 'Customer' | 'Item',
  id: string,
): Promise<Record<string, unknown>> {
  if (!/^\d{1,20}$/.test(id))
    throw new MappingError(`"${id}" is not a QuickBooks ${entity.toLowerCase()} Id (a number)`);
  const found = await readRecordState(client, entity, id);
  if (found.state === 'missing')
    throw new MappingError(`There is no QuickBooks ${entity.toLowerCase()} with Id ${id}`, 404);
  if (found.state === 'inactive') {
    throw new MappingError(
      `QuickBooks ${entity.toLowerCase()} ${id} is inactive; make it active or pick another`,
    );
  }
  return found.record;
}

export function checkDomainName(raw: string): string {
  const domain = normalizeDomain(raw);
  if (!domain) throw new MappingError(`"${raw}" is not a domain name`);
  return domain;
}

export async function setDomainMapping(
  ctx: AppContext,
  client: QboClient | null,
  rawDomain: string,
  change: DomainChange,
  actor: string,
): Promise<{ domain: string; customerId: string | null; customerName: string | null; excluded: boolean }> {
  const domain = checkDomainName(rawDomain);
  const store = new ZimbraStore(ctx.db);
  const before = store.domain(domain);
  if ('exclude' in change) {
    store.setDomain(domain, { exclude: true }, actor);
  } else {
    if (!client)
      throw new MappingError('QuickBooks is not connected; connect it to map domains to customers');
    const customer = await readActive(client, 'Customer', change.customerId);
    store.setDomain(
      domain,
      { customerId: String(customer.Id), customerName: String(customer.DisplayName ?? '') },
      actor,
    );
  }
  const after = store.domain(domain)!;
  ctx.audit.record({
    actor,
    action: 'zimbra_domain_mapping',
    target: domain,
    outcome: 'success',
    details: {
      before: before ? { customerId: before.customerId, excluded: before.excluded } : null,
      after: { customerId: after.customerId, customerName: after.customerName, excluded: after.excluded },
    },
  });
  return { domain, customerId: after.customerId, customerName: after.customerName, excluded: after.excluded };
}

export async function setCosMapping(
  ctx: AppContext,
  client: QboClient | null,
  rawName: string,
  change: CosChange,
  actor: string,
): Promise<{
  name: string;
  itemId: string | null;
  itemName: string | null;
  quotaGb: number | null;
  excluded: boolean;
}> {
  const name = rawName.trim().toLowerCase();
  if (!/^[\x21-\x7e]{1,128}$/.test(name)) throw new MappingError(`"${rawName}" is not a CoS name`);
  const store = new ZimbraStore(ctx.db);
  const before = store.cos(name);
  if ('exclude' in change) {
    store.setCos(name, { exclude: true }, actor);
  } else if ('unmap' in change) {
    if (!before) throw new MappingError(`There is no CoS "${name}" to unmap`, 404);
    store.setCos(name, { unmap: true }, actor);
  } else {
    if (!client) throw new MappingError('QuickBooks is not connected; connect it to map a CoS to an item');
    const quota = change.quotaGb ?? quotaFromCosName(name);
    if (quota === null || !Number.isInteger(quota) || quota < 0 || quota > 100_000) {
      throw new MappingError(`The CoS name "${name}" carries no quota; give quotaGb (whole GB, e.g. 50)`);
    }
    const item = await readActive(client, 'Item', change.itemId);
    store.setCos(name, { itemId: String(item.Id), itemName: String(item.Name ?? ''), quotaGb: quota }, actor);
  }
  const after = store.cos(name)!;
  ctx.audit.record({
    actor,
    action: 'zimbra_cos_mapping',
    target: name,
    outcome: 'success',
    details: {
      before: before ? { itemId: before.itemId, quotaGb: before.quotaGb, excluded: before.excluded } : null,
      after: {
        itemId: after.itemId,
        itemName: after.itemName,
        quotaGb: after.quotaGb,
        excluded: after.excluded,
      },
    },
  });
  return {
    name,
    itemId: after.itemId,
    itemName: after.itemName,
    quotaGb: after.quotaGb,
    excluded: after.excluded,
  };
}

/** What a domain can be assigned to: the active customers, for the prompts. */
export async function activeCustomers(client: QboClient): Promise<Array<{ id: string; name: string }>> {
  return (await client.queryAll<Record<string, unknown>>('Customer', 'Active = true')).map((c) => ({
    id: String(c.Id),
    name: String(c.DisplayName ?? ''),
  }));
}

/** What a CoS can be mapped to: the active service items with their prices, for the prompts. */
export async function activeServiceItems(
  client: QboClient,
): Promise<Array<{ id: string; name: string; unitPriceCents: number | null }>> {
  return (await client.queryAll<Record<string, unknown>>('Item', "Type = 'Service' AND Active = true")).map(
    (i) => ({
      id: String(i.Id),
      name: String(i.Name ?? ''),
      unitPriceCents: typeof i.UnitPrice === 'number' ? Math.round(i.UnitPrice * 100) : null,
    }),
  );
}
