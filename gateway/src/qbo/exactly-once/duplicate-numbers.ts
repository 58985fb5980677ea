import type { Db } from '../../store/database';
import { getMeta, setMeta } from '../../store/meta';
import type { QboClient } from '../http/client';
import type { LedgerEntity } from './ledger-lookup';

/**
 * Does this company refuse a second Invoice (or the same vendor's Bill) with a number already used — the
 * 6140 check — so that a DocNumber row lost in a `/batch` (no requestid) may be sent again without waiting
 * for the lost send to be provably over, and in a batch (`duplicateNumbersRefused`, batch.ts step 3)?
 *
 * Intuit documents no preference for invoices: `SalesFormsPrefs.CustomTxnNumbers` only says whether our
 * number is used at all, and whether a duplicate raises 6140 "depends on company settings" (qbo-api.md
 * §4.2, §5.1). Bills have `OtherPrefs` `WarnDuplicateBillNumber`, but that the API enforces it is not
 * documented either. And no probe can ask without risking the very duplicate it asks about. So the answer
 * is evidence, per realm and entity, kept in the store:
 * - ON only after QuickBooks itself refused one of our creates with 6140 within the last
 *   `evidenceHours` (every later 6140 renews it), and the company's preferences read at the start of the run
 *   do not contradict it (invoices: CustomTxnNumbers on; bills: WarnDuplicateBillNumber not "false");
 * - OFF (until a newer 6140) as soon as a lookup sees two of one entity holding one of our numbers (the
 *   same vendor's, for bills): QuickBooks accepted a duplicate at some point.
 * Unknown is off. A company that turns the warning off less than `evidenceHours` after its last 6140, while
 * a lost batch row of ours may still commit late, is the residual case; the ledger still records the
 * second object as a detected duplicate rather than a clean `created`.
 */

export const evidenceHours = 24;

interface Evidence {
  refused: boolean;
  at: string;
  why: string;
}

const metaKey = (realm: string, entity: LedgerEntity) => `qbo.duplicate_numbers.${realm}.${entity}`;

function readEvidence(db: Db, realm: string, entity: LedgerEntity): Evidence | undefined {
  const raw = getMeta(db, metaKey(realm, entity));
  if (raw === undefined) return undefined;
  try {
    const parsed = JSON.parse(raw) as Partial<Evidence>;
    if (typeof parsed.refused !== 'boolean' || typeof parsed.at !== 'string') return undefined;
    return { refused: parsed.refused, at: parsed.at, why: String(parsed.why ?? '') };
  } catch {
    return undefined;
  }
}

/** Records what QuickBooks just showed: it refused a duplicate number (6140) or holds one. */
export function noteDuplicateNumbers(
  db: Db,
  realm: string,
  entity: LedgerEntity,
  refused: boolean,
  why: string,
  now = new Date(),
): void {
  if (entity !== 'Invoice' && entity !== 'Bill') return;
  const evidence: Evidence = { refused, at: now.toISOString(), why };
  setMeta(db, metaKey(realm, entity), JSON.stringify(evidence));
}

/** True when a 6140 of this realm and entity is recent and nothing since showed a duplicate accepted. */
export function duplicatesRefusedByEvidence(
  db: Db,
  realm: string,
  entity: LedgerEntity,
  now = Date.now(),
): boolean {
  const evidence = readEvidence(db, realm, entity);
  if (!evidence?.refused) return false;
  return now - Date.parse(evidence.at) < evidenceHours * 3_600_000;
}

function otherPref(preferences: Record<string, unknown>, name: string): string | undefined {
  const other = preferences.OtherPrefs as { NameValue?: unknown } | undefined;
  const pairs = Array.isArray(other?.NameValue) ? (other.NameValue as Array<Record<string, unknown>>) : [];
  const pair = pairs.find((p) => p.Name === name);
  return pair === undefined ? undefined : String(pair.Value);
}

/** What the company's preferences say against refusing duplicates (undefined: nothing against it). */
export function preferencesContradict(
  preferences: Record<string, unknown>,
  entity: LedgerEntity,
): string | undefined {
  if (entity === 'Invoice') {
    const sales = preferences.SalesFormsPrefs as { CustomTxnNumbers?: unknown } | undefined;
    if (sales?.CustomTxnNumbers !== true) return 'custom transaction numbers are off';
  }
  if (entity === 'Bill' && otherPref(preferences, 'WarnDuplicateBillNumber') === 'false') {
    return 'the duplicate bill number warning is off';
  }
  return undefined;
}

async function readPreferences(client: QboClient): Promise<Record<string, unknown>> {
  const answer = await client.call(
    { method: 'GET', path: '/preferences', operation: 'read Preferences' },
    'read',
  );
  const prefs = answer.json.Preferences;
  return typeof prefs === 'object' && prefs !== null ? (prefs as Record<string, unknown>) : {};
}

/**
 * The entities (of `entities`) this company is known to refuse duplicate numbers for, for one run: the
 * stored evidence, checked against the preferences read now (one call, only when some evidence says on).
 * A preferences read QuickBooks does not answer counts as "not known": nothing is lost but speed.
 */
export async function detectDuplicateNumbersRefused(
  client: QboClient,
  db: Db,
  entities: Iterable<LedgerEntity>,
): Promise<Set<LedgerEntity>> {
  const candidates = [...new Set(entities)].filter((entity) =>
    duplicatesRefusedByEvidence(db, client.realmId, entity),
  );
  const refused = new Set<LedgerEntity>();
  if (candidates.length === 0) return refused;
  let preferences: Record<string, unknown>;
  try {
    preferences = await readPreferences(client);
  } catch (error) {
    client.log.warn(
      { qbo: { realm: client.realmId, error: String(error) } },
      'Could not read the company preferences; lost numbered rows wait until their send is provably over',
    );
    return refused;
  }
  for (const entity of candidates) {
    const against = preferencesContradict(preferences, entity);
    if (against === undefined) refused.add(entity);
    else noteDuplicateNumbers(db, client.realmId, entity, false, `preferences: ${against}`);
  }
  return refused;
}
