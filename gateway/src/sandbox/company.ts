/**
 * One emulated QuickBooks company (a realm): its lists and transactions, id sequences and settings.
 * Records are stored as the JSON QBO returns; `seq` orders creation so a batch can hide its own creations.
 */
export type EntityType =
  | 'Invoice'
  | 'Bill'
  | 'BillPayment'
  | 'Customer'
  | 'Vendor'
  | 'Item'
  | 'Account'
  | 'Employee'
  | 'CompanyInfo';

export const entityTypes: readonly EntityType[] = [
  'Invoice',
  'Bill',
  'BillPayment',
  'Customer',
  'Vendor',
  'Item',
  'Account',
  'Employee',
  'CompanyInfo',
];

/** Lists whose default query hides inactive rows. */
export const nameListTypes: ReadonlySet<EntityType> = new Set([
  'Customer',
  'Vendor',
  'Employee',
  'Item',
  'Account',
]);

export type EntityRecord = Record<string, unknown>;

interface Stored {
  seq: number;
  /** When the record was committed (the company's clock): queries lag behind it (`list`'s `visibleBefore`). */
  committedAt: number;
  data: EntityRecord;
}

type IdSpace = 'name' | 'item' | 'account' | 'txn' | 'company';

const idSpaceOf: Record<EntityType, IdSpace> = {
  Customer: 'name',
  Vendor: 'name',
  Employee: 'name',
  Item: 'item',
  Account: 'account',
  Invoice: 'txn',
  Bill: 'txn',
  BillPayment: 'txn',
  CompanyInfo: 'company',
};

/** DisplayName/Name comparison used for uniqueness: trimmed, spaces collapsed, case-folded. */
export function nameKey(name: string): string {
  return name.trim().replace(/\s+/g, ' ').toLowerCase();
}

export interface IndexedRef {
  type: EntityType;
  id: string;
}

/**
 * The keys a record is findable by for uniqueness checks: one DisplayName namespace for people (6240),
 * Name per Item/Account list, and DocNumber per Invoice or per vendor's Bills (6140).
 */
export function uniquenessKeys(type: EntityType, data: EntityRecord): string[] {
  if (type === 'Customer' || type === 'Vendor' || type === 'Employee') {
    return typeof data.DisplayName === 'string' ? [`name:${nameKey(data.DisplayName)}`] : [];
  }
  if (type === 'Item' || type === 'Account') {
    return typeof data.Name === 'string' ? [`${type}:${nameKey(data.Name)}`] : [];
  }
  if (typeof data.DocNumber !== 'string' || data.DocNumber === '') return [];
  if (type === 'Invoice') return [docNumberKey('Invoice', data.DocNumber)];
  if (type === 'Bill') {
    const vendor = data.VendorRef as { value?: unknown } | undefined;
    return [docNumberKey('Bill', data.DocNumber, String(vendor?.value ?? ''))];
  }
  return [];
}

export function docNumberKey(type: 'Invoice' | 'Bill', docNumber: string, vendorId = ''): string {
  return type === 'Bill' ? `doc:Bill:${vendorId}:${docNumber}` : `doc:Invoice:${docNumber}`;
}

export class Company {
  /** Uniqueness key → records holding it (insertion order), kept in step with every write. */
  private readonly index = new Map<string, Map<string, IndexedRef>>();
  private readonly tables = new Map<EntityType, Map<string, Stored>>();
  private readonly nextId: Record<IdSpace, number> = { name: 1, item: 1, account: 1, txn: 1, company: 1 };
  private seqCounter = 0;
  /** Last invoice number used, for QBO-style auto-numbering that continues a prefix (`App_1000` → `App_1001`). */
  lastInvoiceNumber: string | undefined;
  customTxnNumbers = true;
  /**
   * The company preference "Warn if duplicate … number is used" (qbo-api.md §4.2, §5.1): off, QuickBooks
   * accepts a second transaction with a number already used, and no 6140 guards a resend.
   */
  duplicateDocNumberCheck = true;
  /** Commit times come from here (the emulator sets its clock after seeding: seeds are always visible). */
  clock: () => number = () => 0;

  constructor(readonly realmId: string) {
    for (const type of entityTypes) this.tables.set(type, new Map());
  }

  private table(type: EntityType): Map<string, Stored> {
    const table = this.tables.get(type);
    if (!table) throw new Error(`unknown entity type ${type}`);
    return table;
  }

  /** The current sequence number; entities created later have a larger one. */
  get seq(): number {
    return this.seqCounter;
  }

  allocateId(type: EntityType): string {
    const space = idSpaceOf[type];
    const id = this.nextId[space];
    this.nextId[space] = id + 1;
    return String(id);
  }

  private indexRecord(type: EntityType, data: EntityRecord, add: boolean): void {
    const id = String(data.Id);
    for (const key of uniquenessKeys(type, data)) {
      let holders = this.index.get(key);
      if (add) {
        if (!holders) {
          holders = new Map();
          this.index.set(key, holders);
        }
        holders.set(`${type}:${id}`, { type, id });
      } else if (holders) {
        holders.delete(`${type}:${id}`);
        if (holders.size === 0) this.index.delete(key);
      }
    }
  }

  /** Records holding a uniqueness key (see `uniquenessKeys`), oldest first. */
  holders(key: string): IndexedRef[] {
    return [...(this.index.get(key)?.values() ?? [])];
  }

  insert(type: EntityType, data: EntityRecord): EntityRecord {
    const id = String(data.Id);
    this.seqCounter += 1;
    this.table(type).set(id, { seq: this.seqCounter, committedAt: this.clock(), data });
    this.indexRecord(type, data, true);
    return data;
  }

  replace(type: EntityType, data: EntityRecord): EntityRecord {
    const id = String(data.Id);
    const existing = this.table(type).get(id);
    if (!existing) throw new Error(`${type} ${id} does not exist`);
    this.indexRecord(type, existing.data, false);
    existing.data = data;
    this.indexRecord(type, data, true);
    return data;
  }

  remove(type: EntityType, id: string): void {
    const existing = this.table(type).get(id);
    if (existing) this.indexRecord(type, existing.data, false);
    this.table(type).delete(id);
  }

  /** A record, optionally only when it existed at sequence `visibleSeq` (batch isolation). */
  get(type: EntityType, id: string, visibleSeq = Number.POSITIVE_INFINITY): EntityRecord | undefined {
    const stored = this.table(type).get(id);
    if (!stored || stored.seq > visibleSeq) return undefined;
    return stored.data;
  }

  /**
   * All records, optionally only those that existed at sequence `visibleSeq` and were committed at or
   * before `visibleBefore` (query lag: a fresh commit is not in query results yet).
   */
  list(
    type: EntityType,
    visibleSeq = Number.POSITIVE_INFINITY,
    visibleBefore = Number.POSITIVE_INFINITY,
  ): EntityRecord[] {
    const result: EntityRecord[] = [];
    for (const stored of this.table(type).values()) {
      if (stored.seq <= visibleSeq && stored.committedAt <= visibleBefore) result.push(stored.data);
    }
    return result;
  }

  count(type: EntityType): number {
    return this.table(type).size;
  }
}
