/**
 * Shared rules for every entity operation: the operation context, property checks, references, MetaData
 * and SyncToken handling. Entity-specific builders (names, invoice, bill) use these.
 */

import { metaTime } from '../clock';
import type { Company, EntityRecord, EntityType } from '../company';
import { faults } from '../faults/fault-bodies';

export interface OperationContext {
  company: Company;
  nowMs: number;
  /** Entities created after this sequence are invisible (a batch cannot see its own creations). */
  visibleSeq: number;
  allowDuplicateDocNum: boolean;
}

export const homeCurrency = { value: 'USD', name: 'United States Dollar' };

export function isRecord(value: unknown): value is EntityRecord {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Rejects a property the entity's schema does not know (2010), like QBO's strict JSON binding. */
export function checkProperties(body: EntityRecord, known: ReadonlySet<string>, entity: string): void {
  for (const key of Object.keys(body)) {
    if (!known.has(key)) throw faults.unknownProperty(key, entity);
  }
}

export const commonProperties = ['Id', 'SyncToken', 'sparse', 'domain', 'MetaData', 'status'];

export function textField(body: EntityRecord, key: string): string | undefined {
  const value = body[key];
  if (value === undefined || value === null) return undefined;
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  throw faults.invalidValue(key, 'expected a text value');
}

/** `{value, name?}` → the referenced id, or undefined when absent. */
export function refValue(body: EntityRecord, key: string, element = key): string | undefined {
  const ref = body[key];
  if (ref === undefined || ref === null) return undefined;
  if (!isRecord(ref)) throw faults.invalidValue(element, 'a reference must be an object like {"value":"1"}');
  const value = ref.value;
  if (typeof value === 'number') return String(value);
  if (typeof value !== 'string' || value.trim() === '') throw faults.requiredParam(`${element}.value`);
  return value.trim();
}

/** Resolves a reference to an active, visible entity; unknown or inactive → 2500 with `element`. */
export function resolveRef(
  ctx: OperationContext,
  type: EntityType,
  id: string,
  element: string,
): { value: string; name: string; record: EntityRecord } {
  const record = ctx.company.get(type, id, ctx.visibleSeq);
  if (!record || record.Active === false) throw faults.invalidReference(element, type, id);
  const name = String(record.DisplayName ?? record.FullyQualifiedName ?? record.Name ?? '');
  return { value: id, name, record };
}

export function newMeta(nowMs: number): EntityRecord {
  const stamp = metaTime(nowMs);
  return { CreateTime: stamp, LastUpdatedTime: stamp };
}

export function touchedMeta(existing: EntityRecord, nowMs: number): EntityRecord {
  const meta = isRecord(existing.MetaData) ? existing.MetaData : newMeta(nowMs);
  return { ...meta, LastUpdatedTime: metaTime(nowMs) };
}

/** Update/delete target: the Id must exist (610) and the SyncToken must be current (5010). */
export function currentForChange(ctx: OperationContext, type: EntityType, body: EntityRecord): EntityRecord {
  const id = textField(body, 'Id');
  if (id === undefined || id.trim() === '') throw faults.requiredParam('Id');
  if (!/^\d+$/.test(id.trim())) throw faults.invalidId(id);
  const existing = ctx.company.get(type, id.trim(), ctx.visibleSeq);
  if (!existing) throw faults.objectNotFound();
  const syncToken = textField(body, 'SyncToken');
  if (syncToken === undefined) throw faults.requiredParam('SyncToken');
  if (syncToken !== existing.SyncToken) throw faults.staleObject();
  return existing;
}

export function nextSyncToken(existing: EntityRecord): string {
  return String(Number(existing.SyncToken ?? '0') + 1);
}

/** Sparse update keeps every field not sent; a full update replaces them (QBO semantics). */
export function mergeForUpdate(existing: EntityRecord, body: EntityRecord): EntityRecord {
  const incoming = { ...body };
  delete incoming.sparse;
  return body.sparse === true ? { ...existing, ...incoming } : incoming;
}

/** Puts keys in QBO's order (as recorded) so responses diff cleanly against recordings. */
export function ordered(record: EntityRecord, order: readonly string[]): EntityRecord {
  const result: EntityRecord = {};
  for (const key of order) if (record[key] !== undefined) result[key] = record[key];
  for (const [key, value] of Object.entries(record))
    if (!(key in result) && value !== undefined) result[key] = value;
  return result;
}

export { nameKey } from '../company';
