import crypto from 'node:crypto';
import type { Db } from '../store/database';

/**
 * Dashboard sessions. The cookie carries 32 random bytes; the store keeps only their SHA-256, so a copy of
 * the store cannot be replayed as a login. Each session has its own CSRF token for forms and for REST calls
 * made with the cookie.
 */
export interface SessionPolicy {
  /** Ends a session nobody used for this long. */
  idleMs: number;
  /** Ends every session this long after login, used or not. */
  maxAgeMs: number;
}
export const defaultSessionPolicy: SessionPolicy = { idleMs: 2 * 60 * 60_000, maxAgeMs: 12 * 60 * 60_000 };

export interface DashboardSession {
  username: string;
  csrfToken: string;
  createdAtMs: number;
  lastSeenAtMs: number;
}

const hashId = (token: string) => crypto.createHash('sha256').update(token).digest('hex');

export function createSession(
  db: Db,
  username: string,
  meta: { remoteIp?: string; userAgent?: string } = {},
  nowMs = Date.now(),
): { token: string; session: DashboardSession } {
  const token = crypto.randomBytes(32).toString('base64url');
  const csrfToken = crypto.randomBytes(32).toString('base64url');
  db.prepare(
    `INSERT INTO dashboard_sessions (id_hash, username, csrf_token, created_at_ms, last_seen_at_ms, remote_ip, user_agent)
     VALUES (?, ?, ?, ?, ?, ?, ?)`,
  ).run(
    hashId(token),
    username,
    csrfToken,
    nowMs,
    nowMs,
    meta.remoteIp ?? null,
    meta.userAgent?.slice(0, 300) ?? null,
  );
  return { token, session: { username, csrfToken, createdAtMs: nowMs, lastSeenAtMs: nowMs } };
}

/** The live session for a cookie value, touched at most once a minute; expired ones are deleted. */
export function readSession(
  db: Db,
  token: string,
  nowMs = Date.now(),
  policy: SessionPolicy = defaultSessionPolicy,
): DashboardSession | undefined {
  if (!/^[\w-]{43}$/.test(token)) return undefined;
  const id = hashId(token);
  const row = db
    .prepare(
      `SELECT s.username, s.csrf_token AS csrfToken, s.created_at_ms AS createdAtMs, s.last_seen_at_ms AS lastSeenAtMs
       FROM dashboard_sessions s JOIN dashboard_users u ON u.username = s.username WHERE s.id_hash = ?`,
    )
    .get(id) as DashboardSession | undefined;
  if (!row) return undefined;
  if (nowMs - row.lastSeenAtMs > policy.idleMs || nowMs - row.createdAtMs > policy.maxAgeMs) {
    db.prepare('DELETE FROM dashboard_sessions WHERE id_hash = ?').run(id);
    return undefined;
  }
  if (nowMs - row.lastSeenAtMs > 60_000) {
    db.prepare('UPDATE dashboard_sessions SET last_seen_at_ms = ? WHERE id_hash = ?').run(nowMs, id);
    row.lastSeenAtMs = nowMs;
  }
  return row;
}

export function endSession(db: Db, token: string): boolean {
  return db.prepare('DELETE FROM dashboard_sessions WHERE id_hash = ?').run(hashId(token)).changes > 0;
}

export function pruneSessions(
  db: Db,
  nowMs = Date.now(),
  policy: SessionPolicy = defaultSessionPolicy,
): number {
  return db
    .prepare('DELETE FROM dashboard_sessions WHERE last_seen_at_ms < ? OR created_at_ms < ?')
    .run(nowMs - policy.idleMs, nowMs - policy.maxAgeMs).changes;
}

/** Constant-time comparison of a presented CSRF token with the session's. */
export function csrfMatches(session: DashboardSession, presented: string | undefined): boolean {
  if (!presented) return false;
  const a = Buffer.from(presented);
  const b = Buffer.from(session.csrfToken);
  return a.length === b.length && crypto.timingSafeEqual(a, b);
}
