import type { QboClient } from '../http/client';
import type { LedgerRow, QboLedger } from './ledger';

/**
 * Records a created object; a second, different id for the same row means QuickBooks now holds two objects
 * (two runs sent it): the ledger keeps the first and an operator is told to void the other.
 */
export function recordCreated(
  client: Pick<QboClient, 'log'>,
  ledger: QboLedger,
  row: Pick<LedgerRow, 'id' | 'key' | 'entity'>,
  fields: { qboId: string; syncToken: string | null; adopted?: boolean; intuitTid?: string | null },
): void {
  const result = ledger.markCreated(row.id, fields);
  const where = { ledgerId: row.id, key: row.key, entity: row.entity };
  if (result.kind === 'duplicate') {
    client.log.error(
      { qbo: { ...where, keptId: result.keptId, duplicateId: result.duplicateId } },
      `QuickBooks holds two ${row.entity} objects for ledger row ${row.key}: ${result.keptId} (kept) and ${result.duplicateId}; void ${row.entity} ${result.duplicateId} in QuickBooks`,
    );
  } else if (result.kind === 'created' && result.fromRejected) {
    client.log.warn(
      { qbo: { ...where, qboId: fields.qboId } },
      `A late answer created ${row.entity} ${fields.qboId} for ledger row ${row.key}, which had been rejected; the row now points at it`,
    );
  }
}
