/**
 * The QuickBooks Online connection's public door. Flows (sheets, mis, zimbra, …) import from here only,
 * never from the files behind it: what is exported here is the contract every flow writes money through.
 * Every create goes through the exactly-once ledger (`createOnce` / `createMany`) and the shared rate limiter
 * inside the client; a flow never calls QuickBooks around them.
 */
export { buildExpenseLine, buildSalesLine, LineAmountError, linesTotalCents } from './amounts';
export { type CreateManyOptions, createMany, resumeUnfinished } from './batch';
export type { BatchItemRequest, BatchItemResponse, QboClient } from './client';
export { openQbo, type QboConnection } from './connection';
export { cachedCustomerCount, cachedCustomersByName, syncCustomers } from './customers-cache';
export { QboError } from './errors';
export type { LedgerEntity, LedgerLookup, LedgerRow, LedgerState } from './ledger';
export { QboLedger } from './ledger';
export { qboWebLink } from './links';
export { findName, findOrCreateName, NameConflictError, validateDisplayName } from './names';
export { qboQuery, queryAll, rowsOf } from './query';
export { ReconnectRequiredError } from './token-source';
export {
  type ChangeDecision,
  type DeleteOutcome,
  deleteOnce,
  type UpdateOutcome,
  updateOnce,
} from './update-once';
export { type CreateInput, type CreateOutcome, createOnce } from './write-once';
