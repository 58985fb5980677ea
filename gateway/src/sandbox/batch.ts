/**
 * POST /batch (qbo-api.md §3): up to `batchItems` items run serially but not transactionally; HTTP 200
 * with a per-item Fault; items never see objects created earlier in the same batch; `bId` echoed.
 * With a requestid, each item's id is requestid+bId (≤50 chars, else a per-item 6000), and a batch is never
 * replayed: a repeated batch requestid fails every item, as recorded against the real service.
 */
import { envelopeTime } from './clock';
import { type EntityRecord, type EntityType, entityTypes } from './company';
import type { EmulatorCore } from './core';
import { isRecord, type OperationContext } from './entities/common';
import { faultBody, faults, QboFault } from './faults/fault-bodies';
import { runWrite, type WriteOperation } from './operations';
import { parseQuery, runQuery } from './query';
import { shuffled } from './random';
import { maxRequestIdLength } from './replay';
import { faultResponse, jsonResponse, jsonSuccessType } from './server/http';

const itemKeys = new Set(['bId', 'operation', 'optionsData']);

function runItem(ctx: OperationContext, item: EntityRecord): EntityRecord {
  if (typeof item.Query === 'string')
    return { QueryResponse: runQuery(ctx.company, parseQuery(item.Query.trim()), ctx.visibleSeq) };
  const entityKeys = Object.keys(item).filter((k) => !itemKeys.has(k));
  if (entityKeys.length !== 1) {
    throw faults.invalidValue('BatchItemRequest', 'each item needs exactly one entity object or a Query');
  }
  const key = entityKeys[0] as string;
  const type = entityTypes.find((t) => t === key) as EntityType | undefined;
  if (!type)
    throw faults.operationNotSupported(
      String(item.operation ?? 'create'),
      key,
      'This entity is not emulated.',
    );
  const options = String(item.optionsData ?? '').toLowerCase();
  let operation = String(item.operation ?? '').toLowerCase();
  if (!['create', 'update', 'delete'].includes(operation)) throw faults.requiredParam('operation');
  if (options.includes('void')) operation = 'void';
  const itemCtx = {
    ...ctx,
    allowDuplicateDocNum: ctx.allowDuplicateDocNum || options.includes('allowduplicatedocnum'),
  };
  return { [type]: runWrite(itemCtx, type, operation as WriteOperation, item[key]) };
}

export interface BatchFaults {
  /** Injected: the first item that commits is answered with a SystemFault (the object stays created). */
  systemFaultOnFirstCommit?: boolean;
}

export function runBatch(
  core: EmulatorCore,
  ctx: OperationContext,
  body: unknown,
  requestId: string | null,
  injected: BatchFaults = {},
): Response {
  if (body === undefined) throw faults.emptyBody();
  const items = isRecord(body) ? body.BatchItemRequest : undefined;
  if (!Array.isArray(items) || items.length === 0) throw faults.requiredParam('BatchItemRequest');
  const max = core.limiter.limits.batchItems;
  if (items.length > max) return faultResponse(faults.batchTooLarge(items.length, max), ctx.nowMs);

  const replayKey = requestId === null ? undefined : `${ctx.company.realmId}\u0000${requestId}`;
  const repeated = replayKey !== undefined && core.batchRequestIds.has(replayKey);
  if (replayKey !== undefined) core.batchRequestIds.add(replayKey);
  // Snapshot: nothing created by this batch is visible to its later items.
  const batchCtx: OperationContext = { ...ctx, visibleSeq: ctx.company.seq };
  const time = envelopeTime(ctx.nowMs);
  const responses: EntityRecord[] = [];
  let faultNextCommit = injected.systemFaultOnFirstCommit === true;
  for (const raw of items) {
    const item = isRecord(raw) ? raw : {};
    const bId = typeof item.bId === 'string' ? item.bId : String(item.bId ?? '');
    try {
      if (requestId !== null) {
        const combined = requestId.length + bId.length;
        if (combined > maxRequestIdLength) throw faults.requestIdTooLong(combined);
        if (repeated) {
          throw faults.businessValidation(
            `The request id ${requestId}${bId} was already used; batch requests are not replayed. Look the objects up before sending them again.`,
          );
        }
      }
      const answer = runItem(batchCtx, item);
      if (faultNextCommit && !('QueryResponse' in answer)) {
        faultNextCommit = false;
        throw faults.systemFault();
      }
      responses.push({ ...answer, bId });
    } catch (error) {
      if (!(error instanceof QboFault)) throw error;
      const { Fault } = faultBody(error, time) as { Fault: unknown };
      responses.push({ Fault, bId });
    }
  }
  const ordered = core.shuffleBatch ? shuffled(responses, core.random) : responses;
  return jsonResponse(200, { BatchItemResponse: ordered, time }, jsonSuccessType);
}
