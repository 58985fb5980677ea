import crypto from 'node:crypto';
import zlib from 'node:zlib';
import type { Db } from '../../store/database';
import type { Migration } from '../../store/migrations';

/**
 * Tables of the SOAP shell. `qbwc_sync_sessions` keeps the seed's columns (company_file, status,
 * queries_total/completed, current_query_type/period) plus what the seed lacked: ticket expiry
 * (last_seen_at), the HCP response, the negotiated qbXML version and where the call came from.
 * The ticket itself is stored only as a SHA-256 (it is a bearer credential for the session); `ticket_hint`
 * (its first 8 characters) is enough to match a row to a Web Connector log line.
 */
export const qbwcSessionMigrations: Migration[] = [
  {
    owner: 'qbwc.sessions',
    version: 1,
    name: 'web connector sessions, login attempts, QBR audit log',
    up: `
      CREATE TABLE qbwc_sync_sessions (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        ticket_hash TEXT NOT NULL UNIQUE,
        ticket_hint TEXT NOT NULL,
        username TEXT NOT NULL,
        company_file TEXT,
        file_id TEXT,
        hcp_response BLOB,
        qbxml_version TEXT,
        status TEXT NOT NULL DEFAULT 'active'
          CHECK (status IN ('active', 'completed', 'failed', 'expired')),
        phase TEXT NOT NULL DEFAULT 'authenticated'
          CHECK (phase IN ('authenticated', 'awaiting_response', 'ready', 'finished')),
        queries_total INTEGER NOT NULL DEFAULT 0,
        queries_completed INTEGER NOT NULL DEFAULT 0,
        last_percent INTEGER,
        current_query_type TEXT,
        current_period TEXT,
        last_error TEXT,
        client_version TEXT,
        remote_ip TEXT,
        created_at TEXT NOT NULL,
        last_seen_at TEXT NOT NULL,
        completed_at TEXT
      );
      CREATE INDEX qbwc_sync_sessions_status ON qbwc_sync_sessions (status, last_seen_at);
      CREATE INDEX qbwc_sync_sessions_created ON qbwc_sync_sessions (created_at);

      CREATE TABLE qbwc_login_attempts (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        username TEXT NOT NULL,
        remote_ip TEXT,
        outcome TEXT NOT NULL CHECK (outcome IN ('success', 'failure', 'locked')),
        at TEXT NOT NULL
      );
      CREATE INDEX qbwc_login_attempts_user_at ON qbwc_login_attempts (username, at);

      CREATE TABLE qbr_audit_log (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        timestamp TEXT NOT NULL,
        actor TEXT NOT NULL,
        action TEXT NOT NULL,
        outcome TEXT NOT NULL CHECK (outcome IN ('success', 'failure', 'denied')),
        resource TEXT,
        failure_reason TEXT,
        details TEXT NOT NULL DEFAULT '{}',
        ip_address TEXT,
        user_agent TEXT
      );
      CREATE INDEX qbr_audit_log_action_time ON qbr_audit_log (action, timestamp);
    `,
  },
  {
    owner: 'qbwc.sessions',
    version: 2,
    name: 'login attempts by address and by time (per-address limit, pruning)',
    up: `
      CREATE INDEX qbwc_login_attempts_ip_at ON qbwc_login_attempts (remote_ip, at);
      CREATE INDEX qbwc_login_attempts_at ON qbwc_login_attempts (at);
    `,
  },
];

export type SessionStatus = 'active' | 'completed' | 'failed' | 'expired';
/** Where the session is in the Web Connector's call loop (qbwc.md §2). */
export type SessionPhase = 'authenticated' | 'awaiting_response' | 'ready' | 'finished';

export interface SessionRow {
  id: number;
  ticketHint: string;
  username: string;
  companyFile: string | null;
  fileId: string | null;
  qbxmlVersion: string | null;
  status: SessionStatus;
  phase: SessionPhase;
  queriesTotal: number;
  queriesCompleted: number;
  lastPercent: number | null;
  currentQueryType: string | null;
  currentPeriod: string | null;
  lastError: string | null;
  clientVersion: string | null;
  remoteIp: string | null;
  createdAt: string;
  lastSeenAt: string;
  completedAt: string | null;
}

export type SessionPatch = Partial<
  Pick<
    SessionRow,
    | 'companyFile'
    | 'fileId'
    | 'qbxmlVersion'
    | 'status'
    | 'phase'
    | 'queriesTotal'
    | 'queriesCompleted'
    | 'lastPercent'
    | 'currentQueryType'
    | 'currentPeriod'
    | 'lastError'
    | 'lastSeenAt'
    | 'completedAt'
  >
>;

const columns: Record<keyof SessionPatch, string> = {
  companyFile: 'company_file',
  fileId: 'file_id',
  qbxmlVersion: 'qbxml_version',
  status: 'status',
  phase: 'phase',
  queriesTotal: 'queries_total',
  queriesCompleted: 'queries_completed',
  lastPercent: 'last_percent',
  currentQueryType: 'current_query_type',
  currentPeriod: 'current_period',
  lastError: 'last_error',
  lastSeenAt: 'last_seen_at',
  completedAt: 'completed_at',
};

const selectColumns = `id, ticket_hint AS ticketHint, username, company_file AS companyFile, file_id AS fileId,
  qbxml_version AS qbxmlVersion, status, phase, queries_total AS queriesTotal,
  queries_completed AS queriesCompleted, last_percent AS lastPercent, current_query_type AS currentQueryType,
  current_period AS currentPeriod, last_error AS lastError, client_version AS clientVersion,
  remote_ip AS remoteIp, created_at AS createdAt, last_seen_at AS lastSeenAt, completed_at AS completedAt`;

export function hashTicket(ticket: string): string {
  return crypto.createHash('sha256').update(ticket).digest('hex');
}

/** SQL for the session rows; no rules here (those live in `sessions.ts`). */
export class SessionStore {
  constructor(private readonly db: Db) {}

  insert(row: { ticket: string; username: string; clientVersion?: string; remoteIp?: string; now: string }) {
    const result = this.db
      .prepare(
        `INSERT INTO qbwc_sync_sessions
           (ticket_hash, ticket_hint, username, client_version, remote_ip, created_at, last_seen_at)
         VALUES (?, ?, ?, ?, ?, ?, ?)`,
      )
      .run(
        hashTicket(row.ticket),
        row.ticket.slice(0, 8),
        row.username,
        row.clientVersion ?? null,
        row.remoteIp ?? null,
        row.now,
        row.now,
      );
    return Number(result.lastInsertRowid);
  }

  byTicket(ticket: string): SessionRow | undefined {
    return this.db
      .prepare(`SELECT ${selectColumns} FROM qbwc_sync_sessions WHERE ticket_hash = ?`)
      .get(hashTicket(ticket)) as SessionRow | undefined;
  }

  byId(id: number): SessionRow | undefined {
    return this.db.prepare(`SELECT ${selectColumns} FROM qbwc_sync_sessions WHERE id = ?`).get(id) as
      | SessionRow
      | undefined;
  }

  update(id: number, patch: SessionPatch): void {
    const entries = Object.entries(patch).filter(([, v]) => v !== undefined) as Array<
      [keyof SessionPatch, unknown]
    >;
    if (entries.length === 0) return;
    const sets = entries.map(([key]) => `${columns[key]} = ?`).join(', ');
    this.db
      .prepare(`UPDATE qbwc_sync_sessions SET ${sets} WHERE id = ?`)
      .run(...entries.map(([, v]) => v), id);
  }

  /** Active sessions of one user, or of one company file; newest first. */
  active(filter: { username?: string; companyFile?: string }): SessionRow[] {
    return this.db
      .prepare(
        `SELECT ${selectColumns} FROM qbwc_sync_sessions WHERE status = 'active'
           AND (@username IS NULL OR username = @username)
           AND (@companyFile IS NULL OR company_file = @companyFile COLLATE NOCASE)
         ORDER BY id DESC`,
      )
      .all({ username: filter.username ?? null, companyFile: filter.companyFile ?? null }) as SessionRow[];
  }

  /** Active sessions idle since before `idleBefore` or started before `createdBefore`. */
  stale(idleBefore: string, createdBefore: string): SessionRow[] {
    return this.db
      .prepare(
        `SELECT ${selectColumns} FROM qbwc_sync_sessions
         WHERE status = 'active' AND (last_seen_at < ? OR created_at < ?) ORDER BY id`,
      )
      .all(idleBefore, createdBefore) as SessionRow[];
  }

  /** The HCP response is kept compressed: it is mostly repeated markup and arrives on every sync. */
  saveHcpResponse(id: number, xml: string): void {
    this.db
      .prepare('UPDATE qbwc_sync_sessions SET hcp_response = ? WHERE id = ?')
      .run(zlib.gzipSync(Buffer.from(xml, 'utf8')), id);
  }

  hcpResponse(id: number): string | undefined {
    const blob = this.db.prepare('SELECT hcp_response FROM qbwc_sync_sessions WHERE id = ?').pluck().get(id);
    return Buffer.isBuffer(blob) ? zlib.gunzipSync(blob).toString('utf8') : undefined;
  }

  recent(limit = 20): SessionRow[] {
    return this.db
      .prepare(`SELECT ${selectColumns} FROM qbwc_sync_sessions ORDER BY id DESC LIMIT ?`)
      .all(limit) as SessionRow[];
  }
}
