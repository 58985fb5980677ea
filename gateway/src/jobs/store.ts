import type { Migration } from '../store/migrations';

export const jobMigrations: Migration[] = [
  {
    owner: 'jobs',
    version: 1,
    name: 'jobs',
    up: `
      CREATE TABLE jobs (
        id TEXT PRIMARY KEY,
        flow TEXT NOT NULL,
        scope TEXT NOT NULL DEFAULT '',
        state TEXT NOT NULL CHECK (state IN ('queued', 'running', 'done', 'failed', 'cancelled')),
        dry_run INTEGER NOT NULL DEFAULT 0,
        total INTEGER,
        done INTEGER NOT NULL DEFAULT 0,
        failed INTEGER NOT NULL DEFAULT 0,
        started_by TEXT NOT NULL,
        created_at TEXT NOT NULL,
        started_at TEXT,
        heartbeat_at TEXT,
        finished_at TEXT,
        summary TEXT,
        error TEXT
      );
      -- One active job per flow and scope: the database, not a race-prone check, enforces it.
      CREATE UNIQUE INDEX jobs_one_active ON jobs (flow, scope) WHERE state IN ('queued', 'running');
      CREATE INDEX jobs_flow_created ON jobs (flow, created_at);
    `,
  },
];
