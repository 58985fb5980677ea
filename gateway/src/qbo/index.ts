/**
 * The QuickBooks Online connection's public door. Flows (sheets, mis, zimbra, …) import from here only,
 * never from the files behind it: what is exported here is the contract every flow writes money through.
 * Every create goes through the exactly-once ledger (`createOnce` / `createMany`) and the shared rate limiter
 * inside the client; a flow never calls QuickBooks around them.
 */
export { buildExpenseLine, buildSalesLine, LineAmountError, linesTotalCents } from './amounts';
export { type BillPaymentInput, buildBillPayment } from './bill-payment';
export { openQbo, type QboConnection } from './connection';
export { cachedCustomerCount, cachedCustomersByName, syncCustomers } from './customers-cache';
export { type CreateManyOptions, createMany, resumeUnfinished } from './exactly-once/batch';
export type { LedgerEntity, LedgerLookup, LedgerRow, LedgerState } from './exactly-once/ledger';
export { payloadHash, QboLedger } from './exactly-once/ledger';
export {
  findName,
  findNames,
  findOrCreateName,
  NameConflictError,
  validateDisplayName,
} from './exactly-once/names';
export {
  type ChangeDecision,
  type DeleteOutcome,
  deleteOnce,
  type UpdateOutcome,
  updateOnce,
} from './exactly-once/update-once';
export { type CreateInput, type CreateOutcome, createOnce } from './exactly-once/write-once';
export type { BatchItemRequest, BatchItemResponse, QboClient } from './http/client';
export { qboEndpoints } from './http/endpoints';
export { QboError } from './http/errors';
export { qboWebLink } from './links';
// For `qb-bridge doctor` and the dashboard, which read the store without opening a connection: every
// company's token health as /healthz shows it (describeConnection never carries a token).
export { type ConnectionStatus, describeConnection, qboHealthSection } from './oauth/connection-health';
export { ReconnectRequiredError } from './oauth/token-source';
export { listTokenRows } from './oauth/token-store';
export { createTokenVault } from './oauth/token-vault';
export { type PickerEntry, pickerCustomers, pickerItems } from './pickers';
export { qboQuery, queryAll, rowsOf } from './query';
