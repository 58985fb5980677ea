/** SQL for `qbwc_account_mappings`. Every write is validated first (`mappings.ts`). */
import type { Db } from '../../store/database';
import { type Mapping, type MappingInput, MappingValidationError, validateMapping } from './mappings';

export interface StoredMapping extends Mapping {
  createdAt: string;
  updatedAt: string;
}

interface Row {
  id: number;
  qbr_metric_key: Mapping['metricKey'];
  qb_account_pattern: string;
  match_type: Mapping['matchType'];
  priority: number;
  is_active: number;
  notes: string | null;
  created_at: string;
  updated_at: string;
}

function fromRow(r: Row): StoredMapping {
  return {
    id: r.id,
    metricKey: r.qbr_metric_key,
    pattern: r.qb_account_pattern,
    matchType: r.match_type,
    priority: r.priority,
    isActive: r.is_active === 1,
    notes: r.notes,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
  };
}

/** A second mapping with the same metric, pattern and match type. */
export class DuplicateMappingError extends Error {
  constructor(readonly existingId: number) {
    super(
      `A mapping with this metric, pattern and match type already exists (id ${existingId}); change that one`,
    );
    this.name = 'DuplicateMappingError';
  }
}

export class MappingStore {
  constructor(private readonly db: Db) {}

  /** Ordered by metric key, then pattern (as the seed listed them), ids breaking ties. */
  list(): StoredMapping[] {
    const rows = this.db
      .prepare('SELECT * FROM qbwc_account_mappings ORDER BY qbr_metric_key, qb_account_pattern, id')
      .all() as Row[];
    return rows.map(fromRow);
  }

  get(id: number): StoredMapping | undefined {
    const row = this.db.prepare('SELECT * FROM qbwc_account_mappings WHERE id = ?').get(id) as
      | Row
      | undefined;
    return row && fromRow(row);
  }

  create(input: MappingInput, now = new Date()): StoredMapping {
    const m = validateMapping(input);
    this.assertUnique(m);
    const stamp = now.toISOString();
    const result = this.db
      .prepare(
        `INSERT INTO qbwc_account_mappings
           (qbr_metric_key, qb_account_pattern, match_type, priority, is_active, notes, created_at, updated_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
      )
      .run(m.metricKey, m.pattern, m.matchType, m.priority, m.isActive ? 1 : 0, m.notes, stamp, stamp);
    return this.get(Number(result.lastInsertRowid))!;
  }

  /** Applies a partial change; the merged mapping is validated as a whole. Undefined when no such id. */
  update(id: number, patch: Partial<MappingInput>, now = new Date()): StoredMapping | undefined {
    const current = this.get(id);
    if (!current) return undefined;
    const merged = validateMapping({
      metricKey: patch.metricKey ?? current.metricKey,
      pattern: patch.pattern ?? current.pattern,
      matchType: patch.matchType ?? current.matchType,
      priority: patch.priority ?? current.priority,
      isActive: patch.isActive ?? current.isActive,
      notes: patch.notes === undefined ? current.notes : patch.notes,
    });
    this.assertUnique(merged, id);
    this.db
      .prepare(
        `UPDATE qbwc_account_mappings SET qbr_metric_key = ?, qb_account_pattern = ?, match_type = ?,
           priority = ?, is_active = ?, notes = ?, updated_at = ? WHERE id = ?`,
      )
      .run(
        merged.metricKey,
        merged.pattern,
        merged.matchType,
        merged.priority,
        merged.isActive ? 1 : 0,
        merged.notes,
        now.toISOString(),
        id,
      );
    return this.get(id);
  }

  delete(id: number): boolean {
    return this.db.prepare('DELETE FROM qbwc_account_mappings WHERE id = ?').run(id).changes > 0;
  }

  private assertUnique(m: MappingInput, exceptId?: number): void {
    const existing = this.db
      .prepare(
        `SELECT id FROM qbwc_account_mappings
         WHERE qbr_metric_key = ? AND qb_account_pattern = ? AND match_type = ? AND id IS NOT ?`,
      )
      .pluck()
      .get(m.metricKey, m.pattern, m.matchType, exceptId ?? null) as number | undefined;
    if (existing !== undefined) throw new DuplicateMappingError(existing);
  }
}

export { MappingValidationError };
