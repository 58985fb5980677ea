/**
 * Tables of the Web Connector data side (migration owner `qbwc.data`, applied after `qbwc.sessions`, whose
 * `qbwc_sync_sessions` the history and work state point at). Names follow the seed so its operators' SQL
 * keeps working: `qbwc_account_mappings`, `qbwc_sync_history`, `qbr_metrics_monthly`.
 * Raw responses are stored whole and gzip-compressed (the seed cut them at 50,000 characters, which broke
 * reprocessing of larger reports).
 */
import type Database from 'better-sqlite3';
import type { Migration } from '../store/migrations';
import { defaultMappings, uncategorizedNotes, uncategorizedPattern } from './metrics/default-mappings';
import { specificPriorityDefault } from './metrics/mappings';

export const qbwcDataMigrations: Migration[] = [
  {
    owner: 'qbwc.data',
    version: 1,
    name: 'account mappings, sync history, QBR monthly metrics, session work state',
    up: (db: Database.Database) => {
      db.exec(`
        CREATE TABLE qbwc_account_mappings (
          id INTEGER PRIMARY KEY AUTOINCREMENT,
          qbr_metric_key TEXT NOT NULL,
          qb_account_pattern TEXT NOT NULL,
          match_type TEXT NOT NULL DEFAULT 'contains' CHECK (match_type IN ('contains', 'exact', 'regex')),
          priority INTEGER NOT NULL DEFAULT 100,
          is_active INTEGER NOT NULL DEFAULT 1 CHECK (is_active IN (0, 1)),
          notes TEXT,
          created_at TEXT NOT NULL,
          updated_at TEXT NOT NULL,
          UNIQUE (qbr_metric_key, qb_account_pattern, match_type)
        );

        CREATE TABLE qbwc_sync_history (
          id INTEGER PRIMARY KEY AUTOINCREMENT,
          session_id INTEGER REFERENCES qbwc_sync_sessions (id) ON DELETE CASCADE,
          sync_type TEXT NOT NULL CHECK (sync_type IN ('profit_loss', 'employees')),
          period TEXT NOT NULL,
          period_start TEXT NOT NULL,
          period_end TEXT NOT NULL,
          report_basis TEXT,
          outcome TEXT NOT NULL CHECK (outcome IN ('ok', 'empty', 'warning', 'error')),
          status_code INTEGER,
          status_message TEXT,
          error_message TEXT,
          raw_response BLOB NOT NULL,
          raw_chars INTEGER NOT NULL,
          parsed_data TEXT NOT NULL DEFAULT '{}',
          metrics_updated INTEGER NOT NULL DEFAULT 0,
          created_at TEXT NOT NULL
        );
        CREATE INDEX qbwc_sync_history_type_period ON qbwc_sync_history (sync_type, period, id);
        CREATE INDEX qbwc_sync_history_session ON qbwc_sync_history (session_id);

        CREATE TABLE qbr_metrics_monthly (
          id INTEGER PRIMARY KEY AUTOINCREMENT,
          period TEXT NOT NULL,
          metric_name TEXT NOT NULL,
          metric_value TEXT NOT NULL,
          value_int INTEGER NOT NULL,
          unit TEXT NOT NULL CHECK (unit IN ('cents', 'count')),
          data_source TEXT NOT NULL DEFAULT 'quickbooks',
          history_id INTEGER REFERENCES qbwc_sync_history (id) ON DELETE SET NULL,
          notes TEXT,
          created_at TEXT NOT NULL,
          updated_at TEXT NOT NULL,
          UNIQUE (period, metric_name, data_source)
        );
        CREATE INDEX qbr_metrics_monthly_period ON qbr_metrics_monthly (period);

        CREATE TABLE qbwc_work_state (
          session_id INTEGER PRIMARY KEY REFERENCES qbwc_sync_sessions (id) ON DELETE CASCADE,
          plan TEXT NOT NULL,
          report_basis TEXT NOT NULL,
          cursor INTEGER NOT NULL DEFAULT 0,
          last_error TEXT,
          outcome TEXT,
          created_at TEXT NOT NULL,
          updated_at TEXT NOT NULL
        );
      `);
      const now = new Date().toISOString();
      const insert = db.prepare(
        `INSERT INTO qbwc_account_mappings
           (qbr_metric_key, qb_account_pattern, match_type, priority, is_active, notes, created_at, updated_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
      );
      for (const m of defaultMappings) {
        insert.run(m.metricKey, m.pattern, m.matchType, m.priority, m.isActive ? 1 : 0, m.notes, now, now);
      }
    },
  },
  {
    owner: 'qbwc.data',
    version: 2,
    name: 'computed QBR metrics (totals, net profit) stored as data_source calculated',
    up: `
      DELETE FROM qbr_metrics_monthly
       WHERE data_source = 'quickbooks' AND metric_name IN ('total_revenue', 'total_expenses', 'net_profit')
         AND EXISTS (SELECT 1 FROM qbr_metrics_monthly c WHERE c.period = qbr_metrics_monthly.period
                       AND c.metric_name = qbr_metrics_monthly.metric_name AND c.data_source = 'calculated');
      UPDATE qbr_metrics_monthly SET data_source = 'calculated'
       WHERE data_source = 'quickbooks' AND metric_name IN ('total_revenue', 'total_expenses', 'net_profit');
    `,
  },
  {
    owner: 'qbwc.data',
    version: 3,
    name: 'default mapping: Uncategorized Expense → uncategorized_expenses (kept out of total_expenses)',
    // Databases created before the mapping existed get it too; one that has it (new databases) keeps its own.
    up: (db: Database.Database) => {
      const now = new Date().toISOString();
      db.prepare(
        `INSERT OR IGNORE INTO qbwc_account_mappings
           (qbr_metric_key, qb_account_pattern, match_type, priority, is_active, notes, created_at, updated_at)
         VALUES ('uncategorized_expenses', ?, 'contains', ?, 1, ?, ?, ?)`,
      ).run(uncategorizedPattern, specificPriorityDefault, uncategorizedNotes, now, now);
    },
  },
  {
    owner: 'qbwc.data',
    version: 4,
    name: "each session's job (jobs table) next to its work state",
    up: 'ALTER TABLE qbwc_work_state ADD COLUMN job_id TEXT;',
  },
];
