/**
 * Read-only queries the Web Connector page needs beyond what qbwc/ exports: sessions by page, and the user
 * locks holding now (qbwc/'s `currentLocks` decides which (user name, address) pairs are locked). They read qbwc's
 * tables and never write them.
 */

import type { Db } from '../../store/database';
import { currentLocks, defaultLockoutPolicy } from '../sessions/credentials';
import type { SessionRow } from '../sessions/session-store';
import { sessionAsOf } from '../sessions/sessions';

export function countQbwcSessions(db: Db): number {
  return Number(db.prepare('SELECT COUNT(*) FROM qbwc_sync_sessions').pluck().get());
}

export function qbwcSessionsPage(db: Db, limit: number, offset: number, now = new Date()): SessionRow[] {
  const rows = db
    .prepare(
      `SELECT id, ticket_hint AS ticketHint, username, company_file AS companyFile, file_id AS fileId,
              qbxml_version AS qbxmlVersion, status, phase, queries_total AS queriesTotal,
              queries_completed AS queriesCompleted, last_percent AS lastPercent,
              current_query_type AS currentQueryType, current_period AS currentPeriod, last_error AS lastError,
              client_version AS clientVersion, remote_ip AS remoteIp, created_at AS createdAt,
              last_seen_at AS lastSeenAt, completed_at AS completedAt
       FROM qbwc_sync_sessions ORDER BY id DESC LIMIT ? OFFSET ?`,
    )
    .all(limit, offset) as SessionRow[];
  return rows.map((row) => sessionAsOf(row, now));
}

export interface QbwcLockout {
  username: string;
  failures: number;
  lastAttemptAt: string;
  lastAddress: string | null;
  lockedUntil: string;
}

/** Web Connector user names locked out right now, one row per address the failures came from. */
export function qbwcLockouts(db: Db, now = new Date(), policy = defaultLockoutPolicy): QbwcLockout[] {
  return currentLocks(db, now, policy).map((lock) => ({
    username: lock.username,
    failures: lock.failures,
    // A lock runs `lockMs` from the last failure that counts.
    lastAttemptAt: new Date(lock.until.getTime() - policy.lockMs).toISOString(),
    lastAddress: lock.remoteIp,
    lockedUntil: lock.until.toISOString(),
  }));
}
