/**
 * Read-only queries the Web Connector page needs beyond what qbwc/ exports: sessions by page, and the user
 * names with recent failed logins (qbwc/'s `lockedUntil` then decides which are locked). They read qbwc's
 * tables and never write them.
 */
import { defaultLockoutPolicy, lockedUntil } from '../qbwc/sessions/credentials';
import type { SessionRow } from '../qbwc/sessions/session-store';
import { sessionAsOf } from '../qbwc/sessions/sessions';
import type { Db } from '../store/database';

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

/** Web Connector user names locked out right now by failed logins. */
export function qbwcLockouts(db: Db, now = new Date(), policy = defaultLockoutPolicy): QbwcLockout[] {
  const since = new Date(now.getTime() - Math.max(policy.windowMs, policy.lockMs) * 2).toISOString();
  const candidates = db
    .prepare(
      `SELECT username, COUNT(*) AS failures, MAX(at) AS lastAttemptAt,
              (SELECT remote_ip FROM qbwc_login_attempts x WHERE x.username = a.username ORDER BY at DESC LIMIT 1)
                AS lastAddress
       FROM qbwc_login_attempts a WHERE outcome IN ('failure', 'locked') AND at >= ?
       GROUP BY username ORDER BY lastAttemptAt DESC LIMIT 200`,
    )
    .all(since) as Array<Omit<QbwcLockout, 'lockedUntil'>>;
  return candidates.flatMap((c) => {
    const until = lockedUntil(db, c.username, now, policy);
    return until ? [{ ...c, lockedUntil: until.toISOString() }] : [];
  });
}
