import type { QboClient } from '../qbo/index';
import { readRecordState } from './mappings';
import { monthRange, type Period } from './report/highwater';
import type { CosRow, ZimbraStore } from './store';

/**
 * `reconcile-cos --review-all` (and `GET /api/zimbra/unmapped?reviewAll=true`): mapped CoS whose mapping no
 * longer serves. Two kinds:
 * - the QuickBooks item is inactive (QuickBooks "deletes" an item by making it inactive) or gone: the next
 *   invoice with that CoS would be refused, so it is remapped or excluded now, not found out mid-run;
 * - the CoS is in none of the reports since the reviewed month began (it was retired on the server): its
 *   mapping is only clutter, and unmapping it means it is asked about again should it come back.
 * "No longer in any report" is only said when reports for that month are stored at all; with none, absence
 * proves nothing.
 */

export type ObsoleteReason = 'item_inactive' | 'item_missing' | 'not_in_reports';

export interface ObsoleteCos {
  name: string;
  itemId: string;
  itemName: string | null;
  quotaGb: number | null;
  lastSeen: string | null;
  reasons: ObsoleteReason[];
  /** One sentence per reason, and what to do about it. */
  problems: string[];
}

function itemProblem(cos: CosRow, state: 'inactive' | 'missing'): string {
  const item = cos.itemName
    ? `QuickBooks item ${cos.itemName} (Id ${cos.itemId})`
    : `QuickBooks item ${cos.itemId}`;
  return state === 'inactive'
    ? `${item} is inactive or deleted; map ${cos.name} to an active item or exclude it`
    : `${item} no longer exists; map ${cos.name} to another item or exclude it`;
}

/**
 * Every mapped CoS with something wrong, by name. `client` null (QuickBooks not connected)
 * checks only the reports.
 */
export async function findObsoleteCos(
  store: ZimbraStore,
  client: QboClient | null,
  period: Period,
): Promise<ObsoleteCos[]> {
  const mapped = store.cosList().filter((c) => c.itemId && !c.excluded);
  const { from } = monthRange(period);
  const reportsStored = store.reportsBetween(from, '9999-12-31').length > 0;
  // Each item read once (several CoS often share one), all at once; the client's limiter paces them.
  const itemIds = client ? [...new Set(mapped.map((c) => c.itemId!))] : [];
  const states = new Map(
    await Promise.all(
      itemIds.map(async (id) => [id, (await readRecordState(client!, 'Item', id)).state] as const),
    ),
  );
  const out: ObsoleteCos[] = [];
  for (const cos of mapped) {
    const reasons: ObsoleteReason[] = [];
    const problems: string[] = [];
    const state = states.get(cos.itemId!);
    if (state === 'inactive' || state === 'missing') {
      reasons.push(state === 'inactive' ? 'item_inactive' : 'item_missing');
      problems.push(itemProblem(cos, state));
    }
    if (reportsStored && (cos.lastSeen === null || cos.lastSeen < from)) {
      reasons.push('not_in_reports');
      problems.push(
        `${cos.name} is in no report since ${from}${cos.lastSeen ? ` (last seen ${cos.lastSeen})` : ''}; unmap it (it is asked about again if it comes back)`,
      );
    }
    if (reasons.length > 0) {
      out.push({
        name: cos.name,
        itemId: cos.itemId!,
        itemName: cos.itemName,
        quotaGb: cos.quotaGb,
        lastSeen: cos.lastSeen,
        reasons,
        problems,
      });
    }
  }
  return out;
}
