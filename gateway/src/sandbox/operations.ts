/**
 * One entity operation, independent of HTTP, so single calls and batch items run the same rules.
 * Returns the object QBO wraps under the entity name, or throws a QboFault.
 */

import type { EntityRecord, EntityType } from './company';
import { saveBill } from './entities/bill';
import { saveBillPayment } from './entities/bill-payment';
import {
  checkProperties,
  currentForChange,
  isRecord,
  mergeForUpdate,
  nextSyncToken,
  type OperationContext,
  touchedMeta,
} from './entities/common';
import { saveInvoice, voidInvoice } from './entities/invoice';
import { personTypes, saveAccount, saveItem, savePerson } from './entities/names';
import { deletedStub } from './entities/transactions';
import { faults } from './faults/fault-bodies';

export type WriteOperation = 'create' | 'update' | 'delete' | 'void';

/** URL path segment → entity name (QBO paths are lowercase). */
export const entityByPath: Readonly<Record<string, EntityType>> = {
  invoice: 'Invoice',
  bill: 'Bill',
  billpayment: 'BillPayment',
  customer: 'Customer',
  vendor: 'Vendor',
  item: 'Item',
  account: 'Account',
  employee: 'Employee',
  companyinfo: 'CompanyInfo',
};

const companyInfoFields = new Set([
  'Id',
  'SyncToken',
  'sparse',
  'domain',
  'MetaData',
  'CompanyName',
  'LegalName',
  'CompanyAddr',
  'CustomerCommunicationAddr',
  'LegalAddr',
  'CustomerCommunicationEmailAddr',
  'PrimaryPhone',
  'CompanyStartDate',
  'FiscalYearStartMonth',
  'Country',
  'Email',
  'WebAddr',
  'SupportedLanguages',
  'NameValue',
]);

function save(ctx: OperationContext, type: EntityType, body: EntityRecord, isUpdate: boolean): EntityRecord {
  if (type === 'Invoice') return saveInvoice(ctx, body, isUpdate);
  if (type === 'Bill') return saveBill(ctx, body, isUpdate);
  if (type === 'BillPayment') return saveBillPayment(ctx, body, isUpdate);
  if (personTypes.has(type)) return savePerson(ctx, type, body, isUpdate);
  if (type === 'Item') return saveItem(ctx, body, isUpdate);
  if (type === 'Account') return saveAccount(ctx, body, isUpdate);
  // CompanyInfo: update only (sparse or full), same SyncToken rules.
  if (!isUpdate) throw faults.operationNotSupported('create', type, 'A company exists once per realm.');
  checkProperties(body, companyInfoFields, type);
  const existing = currentForChange(ctx, type, body);
  const record = {
    ...mergeForUpdate(existing, body),
    Id: existing.Id,
    domain: 'QBO',
    sparse: false,
    SyncToken: nextSyncToken(existing),
    MetaData: touchedMeta(existing, ctx.nowMs),
  };
  return ctx.company.replace(type, record);
}

export function runWrite(
  ctx: OperationContext,
  type: EntityType,
  operation: WriteOperation,
  body: unknown,
): EntityRecord {
  if (body === undefined || body === null || (isRecord(body) && Object.keys(body).length === 0)) {
    throw faults.emptyBody();
  }
  if (!isRecord(body)) throw faults.invalidValue(type, 'the request body must be one JSON object');
  if (operation === 'create' || operation === 'update') {
    // QBO decides create vs update by the presence of Id, whatever the batch item says.
    const isUpdate = body.Id !== undefined;
    if (operation === 'update' && !isUpdate) throw faults.requiredParam('Id');
    return save(ctx, type, body, isUpdate);
  }
  if (operation === 'void') {
    if (type !== 'Invoice') {
      throw faults.operationNotSupported(
        'void',
        type,
        'Only invoices can be voided here; delete a bill instead.',
      );
    }
    return voidInvoice(ctx, body);
  }
  if (type === 'BillPayment') {
    throw faults.operationNotSupported('delete', type, 'The emulator does not delete bill payments.');
  }
  if (type !== 'Invoice' && type !== 'Bill') {
    throw faults.operationNotSupported(
      'delete',
      type,
      'Names are never deleted: make them inactive with a sparse update {"Active": false}.',
    );
  }
  const existing = currentForChange(ctx, type, body);
  ctx.company.remove(type, String(existing.Id));
  return deletedStub(String(existing.Id));
}

/** GET /{entity}/{id}: 610 when absent (QBO answers inactive names too, as they still exist). */
export function runRead(ctx: OperationContext, type: EntityType, id: string): EntityRecord {
  if (!/^\d+$/.test(id)) throw faults.invalidId(id);
  const record = ctx.company.get(type, id);
  if (!record) throw faults.objectNotFound();
  return record;
}
