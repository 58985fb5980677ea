/**
 * Name lists: Customer, Vendor, Employee (one DisplayName namespace, inactive included — fault 6240),
 * Item and Account (unique Name within their own list). "Delete" of a name is a deactivation in QBO.
 */
import type { EntityRecord, EntityType } from '../company';
import { centsToNumber, toCentsRounded } from '../decimal';
import { faults } from '../faults/fault-bodies';
import {
  checkProperties,
  currentForChange,
  homeCurrency,
  mergeForUpdate,
  nameKey,
  newMeta,
  nextSyncToken,
  type OperationContext,
  ordered,
  refValue,
  resolveRef,
  textField,
  touchedMeta,
} from './common';
import {
  accountOrder,
  customerOrder,
  itemOrder,
  knownAccount,
  knownItem,
  knownPerson,
  vendorOrder,
} from './name-schemas';

export const personTypes: ReadonlySet<EntityType> = new Set(['Customer', 'Vendor', 'Employee']);

/** The DisplayName QBO derives when none is sent: "Given Family", else CompanyName. */
function displayNameOf(body: EntityRecord): string | undefined {
  const explicit = textField(body, 'DisplayName');
  if (explicit !== undefined && explicit.trim() !== '') return explicit.trim();
  const person = [textField(body, 'GivenName'), textField(body, 'FamilyName')].filter((p) => p?.trim());
  if (person.length > 0) return person.join(' ').trim();
  const company = textField(body, 'CompanyName');
  return company?.trim() ? company.trim() : undefined;
}

function assertUniqueDisplayName(
  ctx: OperationContext,
  name: string,
  exceptType?: EntityType,
  exceptId?: string,
) {
  const clash = ctx.company
    .holders(`name:${nameKey(name)}`)
    .some((ref) => !(ref.type === exceptType && ref.id === exceptId));
  if (clash) throw faults.duplicateName();
}

function assertUniqueName(ctx: OperationContext, type: EntityType, name: string, exceptId?: string) {
  if (ctx.company.holders(`${type}:${nameKey(name)}`).some((ref) => ref.id !== exceptId))
    throw faults.duplicateName();
}

function checkName(name: string, element: string, max: number): void {
  if (name.includes(':')) {
    throw faults.businessValidation(
      `The ${element} "${name}" contains a colon (:), which QuickBooks reserves for sub-customer names. Remove the colon.`,
      element,
    );
  }
  if (name.length > max) throw faults.stringLength(element, max, name.length);
}

function personRecord(type: EntityType, merged: EntityRecord, displayName: string): EntityRecord {
  const base: EntityRecord = {
    ...merged,
    domain: 'QBO',
    sparse: false,
    DisplayName: displayName,
    PrintOnCheckName: merged.PrintOnCheckName ?? displayName,
    Active: merged.Active !== false,
    CurrencyRef: merged.CurrencyRef ?? homeCurrency,
    Balance: merged.Balance ?? 0,
  };
  if (type === 'Customer') {
    return ordered(
      {
        Taxable: true,
        Job: false,
        BillWithParent: false,
        BalanceWithJobs: base.Balance,
        PreferredDeliveryMethod: 'Print',
        DefaultTaxCodeRef: { value: '2' },
        ...base,
        FullyQualifiedName: displayName,
      },
      customerOrder,
    );
  }
  if (type === 'Vendor') return ordered({ Vendor1099: false, ...base }, vendorOrder);
  const { Balance: _balance, CurrencyRef: _currency, ...employee } = base;
  return employee;
}

export function savePerson(ctx: OperationContext, type: EntityType, body: EntityRecord, isUpdate: boolean) {
  checkProperties(body, knownPerson, type);
  const existing = isUpdate ? currentForChange(ctx, type, body) : undefined;
  const merged = existing ? mergeForUpdate(existing, body) : { ...body };
  const displayName = displayNameOf(merged);
  if (displayName === undefined) throw faults.requiredParam('DisplayName');
  checkName(displayName, 'DisplayName', 500);
  assertUniqueDisplayName(ctx, displayName, type, existing ? String(existing.Id) : undefined);
  const record = personRecord(type, merged, displayName);
  record.Id = existing ? existing.Id : ctx.company.allocateId(type);
  record.SyncToken = existing ? nextSyncToken(existing) : '0';
  record.MetaData = existing ? touchedMeta(existing, ctx.nowMs) : newMeta(ctx.nowMs);
  const final = ordered(record, type === 'Customer' ? customerOrder : vendorOrder);
  return existing ? ctx.company.replace(type, final) : ctx.company.insert(type, final);
}

export function saveItem(ctx: OperationContext, body: EntityRecord, isUpdate: boolean) {
  checkProperties(body, knownItem, 'Item');
  const existing = isUpdate ? currentForChange(ctx, 'Item', body) : undefined;
  const merged = existing ? mergeForUpdate(existing, body) : { ...body };
  const name = textField(merged, 'Name')?.trim();
  if (!name) throw faults.requiredParam('Name');
  checkName(name, 'Name', 100);
  assertUniqueName(ctx, 'Item', name, existing ? String(existing.Id) : undefined);
  const type = textField(merged, 'Type') ?? 'Service';
  if (!['Service', 'NonInventory', 'Inventory', 'Group', 'Category'].includes(type)) {
    throw faults.invalidValue('Type', `unknown item type ${type}`);
  }
  const record: EntityRecord = {
    ...merged,
    Name: name,
    Active: merged.Active !== false,
    FullyQualifiedName: name,
    Taxable: merged.Taxable ?? false,
    Type: type,
    TrackQtyOnHand: merged.TrackQtyOnHand ?? false,
    domain: 'QBO',
    sparse: false,
  };
  for (const priceField of ['UnitPrice', 'PurchaseCost']) {
    if (merged[priceField] === undefined) {
      record[priceField] = 0;
      continue;
    }
    const cents = toCentsRounded(merged[priceField]);
    if (cents === undefined) throw faults.invalidValue(priceField, 'expected a number');
    record[priceField] = typeof merged[priceField] === 'number' ? merged[priceField] : centsToNumber(cents);
  }
  for (const [refField, element] of [
    ['IncomeAccountRef', 'IncomeAccountRef'],
    ['ExpenseAccountRef', 'ExpenseAccountRef'],
  ] as const) {
    const id = refValue(merged, refField, element);
    if (id !== undefined) {
      const ref = resolveRef(ctx, 'Account', id, element);
      record[refField] = { value: ref.value, name: ref.name };
    }
  }
  if (record.IncomeAccountRef === undefined && type !== 'Category')
    throw faults.requiredParam('IncomeAccountRef');
  record.Id = existing ? existing.Id : ctx.company.allocateId('Item');
  record.SyncToken = existing ? nextSyncToken(existing) : '0';
  record.MetaData = existing ? touchedMeta(existing, ctx.nowMs) : newMeta(ctx.nowMs);
  const final = ordered(record, itemOrder);
  return existing ? ctx.company.replace('Item', final) : ctx.company.insert('Item', final);
}

const accountTypes: Record<string, string> = {
  Bank: 'Asset',
  'Other Current Asset': 'Asset',
  'Fixed Asset': 'Asset',
  'Other Asset': 'Asset',
  'Accounts Receivable': 'Asset',
  Equity: 'Equity',
  Expense: 'Expense',
  'Other Expense': 'Expense',
  'Cost of Goods Sold': 'Expense',
  'Accounts Payable': 'Liability',
  'Credit Card': 'Liability',
  'Long Term Liability': 'Liability',
  'Other Current Liability': 'Liability',
  Income: 'Revenue',
  'Other Income': 'Revenue',
};

export function saveAccount(ctx: OperationContext, body: EntityRecord, isUpdate: boolean) {
  checkProperties(body, knownAccount, 'Account');
  const existing = isUpdate ? currentForChange(ctx, 'Account', body) : undefined;
  const merged = existing ? mergeForUpdate(existing, body) : { ...body };
  const name = textField(merged, 'Name')?.trim();
  if (!name) throw faults.requiredParam('Name');
  checkName(name, 'Name', 100);
  assertUniqueName(ctx, 'Account', name, existing ? String(existing.Id) : undefined);
  const accountType = textField(merged, 'AccountType');
  if (accountType === undefined) throw faults.requiredParam('AccountType');
  const classification = accountTypes[accountType];
  if (!classification) throw faults.invalidValue('AccountType', `unknown account type ${accountType}`);
  const record: EntityRecord = {
    ...merged,
    Name: name,
    SubAccount: false,
    FullyQualifiedName: name,
    Active: merged.Active !== false,
    Classification: classification,
    AccountType: accountType,
    AccountSubType: merged.AccountSubType ?? accountType.replace(/\s+/g, ''),
    CurrentBalance: merged.CurrentBalance ?? 0,
    CurrentBalanceWithSubAccounts: merged.CurrentBalanceWithSubAccounts ?? 0,
    CurrencyRef: merged.CurrencyRef ?? homeCurrency,
    domain: 'QBO',
    sparse: false,
  };
  record.Id = existing ? existing.Id : ctx.company.allocateId('Account');
  record.SyncToken = existing ? nextSyncToken(existing) : '0';
  record.MetaData = existing ? touchedMeta(existing, ctx.nowMs) : newMeta(ctx.nowMs);
  const final = ordered(record, accountOrder);
  return existing ? ctx.company.replace('Account', final) : ctx.company.insert('Account', final);
}
