import crypto from 'node:crypto';
import type { Logger } from '../../log/logger';
import type { Db } from '../../store/database';
import { recordQbrAudit } from '../audit/audit';
import type { QbwcSessionInfo, QbwcWork } from '../work';
import { type SessionPatch, type SessionRow, SessionStore } from './session-store';

/**
 * Ticket lifecycle (fixing seed 003's tickets that never expired): a ticket is 32 bytes from the CSPRNG,
 * lives while the Web Connector keeps calling (idle TTL, checked on every call) and never longer than an
 * absolute cap; stale tickets are reaped on every authenticate.
 */
export interface SessionPolicy {
  /** QuickBooks can spend minutes on a big report between sendRequestXML and receiveResponseXML. */
  idleTtlMs: number;
  maxLifetimeMs: number;
  /** Overrides `supersedeGraceMs`. */
  supersedeAfterQuietMs?: number;
}

export const defaultSessionPolicy: SessionPolicy = { idleTtlMs: 30 * 60_000, maxLifetimeMs: 4 * 60 * 60_000 };

/**
 * How long a live session of the same user keeps a new login out (`busy`). A new authenticate drops the old
 * ticket (qbwc.md §2, §12.1) when that session only waits for closeConnection, or has been quiet for longer
 * than this: long enough for QuickBooks to build a big report between sendRequestXML and
 * receiveResponseXML, short enough that a crashed Web Connector does not block the next run for the whole
 * idle TTL.
 */
export const supersedeGraceMs = 5 * 60_000;

/** The Web Connector schedules in minutes; a shorter postpone only earns another refusal. */
export const minPostponeSeconds = 60;

const supersededMessage =
  'This session was replaced by a newer Web Connector login for the same user (the Web Connector restarted or never closed it).';

export type Clock = () => Date;

const expiredMessage = 'The session expired: the Web Connector stopped calling.';

/** When an active session stops being valid (ms): idle TTL after its last call, or the absolute cap. */
function expiresAt(row: SessionRow, policy: SessionPolicy): number {
  return Math.min(
    new Date(row.lastSeenAt).getTime() + policy.idleTtlMs,
    new Date(row.createdAt).getTime() + policy.maxLifetimeMs,
  );
}

/**
 * A session row as a reader should see it at `now`. Stale sessions are only marked expired when the Web
 * Connector next calls (reapStale, lookup); until then the row still says active, which would show a dead
 * session as a running sync. Pure: nothing is written.
 */
export function sessionAsOf(row: SessionRow, now: Date, policy = defaultSessionPolicy): SessionRow {
  if (row.status !== 'active') return row;
  const expiry = expiresAt(row, policy);
  if (expiry >= now.getTime()) return row;
  return {
    ...row,
    status: 'expired',
    phase: 'finished',
    completedAt: new Date(expiry).toISOString(),
    lastError: row.lastError ?? expiredMessage,
  };
}

export type TicketLookup =
  | { kind: 'active'; row: SessionRow; info: QbwcSessionInfo }
  | { kind: 'expired' | 'closed'; row: SessionRow }
  | { kind: 'unknown' };

export function newTicket(): string {
  return crypto.randomBytes(32).toString('hex');
}

export class QbwcSessions {
  readonly store: SessionStore;
  private readonly fileWaits = new Map<number, number>();

  constructor(
    private readonly db: Db,
    private readonly work: QbwcWork,
    private readonly log: Logger,
    private readonly policy: SessionPolicy = defaultSessionPolicy,
    private readonly clock: Clock = () => new Date(),
  ) {
    this.store = new SessionStore(db);
  }

  now(): Date {
    return this.clock();
  }

  info(row: SessionRow, ticket: string): QbwcSessionInfo {
    return {
      sessionId: row.id,
      ticket,
      companyFile: row.companyFile ?? '',
      qbXmlVersion: row.qbxmlVersion ?? '13.0',
    };
  }

  private isStale(row: SessionRow, now: Date): boolean {
    return expiresAt(row, this.policy) < now.getTime();
  }

  /** Marks every stale active session expired and lets the work side release it; returns how many. */
  reapStale(): number {
    const now = this.now();
    const rows = this.store.stale(
      new Date(now.getTime() - this.policy.idleTtlMs).toISOString(),
      new Date(now.getTime() - this.policy.maxLifetimeMs).toISOString(),
    );
    for (const row of rows) this.expire(row, now);
    return rows.length;
  }

  private expire(row: SessionRow, now: Date, supersededBy?: number): void {
    const superseded = supersededBy !== undefined;
    this.store.update(row.id, {
      status: 'expired',
      phase: 'finished',
      completedAt: now.toISOString(),
      lastError: superseded
        ? `${supersededMessage}${row.lastError ? ` Its last error: ${row.lastError}` : ''}`
        : (row.lastError ?? expiredMessage),
    });
    recordQbrAudit(this.db, {
      actor: row.username,
      action: 'qbwc_sync',
      outcome: 'failure',
      resource: `session:${row.id}`,
      failureReason: superseded ? 'superseded' : 'expired',
      details: {
        ticketHint: row.ticketHint,
        queriesCompleted: row.queriesCompleted,
        phase: row.phase,
        lastSeenAt: row.lastSeenAt,
        ...(superseded ? { supersededBy } : {}),
      },
    });
    // The ticket is gone with the expiry; the work side only needs the id to release its state.
    this.finishWork(
      {
        sessionId: row.id,
        ticket: '',
        companyFile: row.companyFile ?? '',
        qbXmlVersion: row.qbxmlVersion ?? '13.0',
      },
      'failed',
    );
  }

  /** Calls work.finish, keeping a failure there from breaking the protocol answer. */
  finishWork(info: QbwcSessionInfo, outcome: 'completed' | 'failed'): void {
    try {
      this.work.finish(info, outcome);
    } catch (error) {
      this.log.error({ err: error, sessionId: info.sessionId }, 'qbwc work.finish failed');
    }
  }

  open(entry: { username: string; clientVersion?: string; remoteIp?: string }): {
    ticket: string;
    row: SessionRow;
  } {
    const ticket = newTicket();
    const id = this.store.insert({ ...entry, ticket, now: this.now().toISOString() });
    return { ticket, row: this.store.byId(id)! };
  }

  /** Resolves a ticket, enforcing expiry; an active session is touched (its idle clock restarts). */
  lookup(ticket: string): TicketLookup {
    if (!/^[0-9a-f]{64}$/.test(ticket)) return { kind: 'unknown' };
    const row = this.store.byTicket(ticket);
    if (!row) return { kind: 'unknown' };
    const now = this.now();
    if (row.status === 'active' && this.isStale(row, now)) {
      this.expire(row, now);
      return { kind: 'expired', row: this.store.byId(row.id)! };
    }
    if (row.status !== 'active') return { kind: row.status === 'expired' ? 'expired' : 'closed', row };
    this.store.update(row.id, { lastSeenAt: now.toISOString() });
    const touched = { ...row, lastSeenAt: now.toISOString() };
    return { kind: 'active', row: touched, info: this.info(touched, ticket) };
  }

  /** Whether a ticket belongs to a session that may still call; unlike lookup, touches and expires nothing. */
  isLive(ticket: string): boolean {
    if (!/^[0-9a-f]{64}$/.test(ticket)) return false;
    const row = this.store.byTicket(ticket);
    return row !== undefined && row.status === 'active' && !this.isStale(row, this.now());
  }

  update(row: SessionRow, patch: SessionPatch): SessionRow {
    this.store.update(row.id, patch);
    return { ...row, ...patch };
  }

  /**
   * Live sessions of this user a new login would collide with, split into those it may replace (finished
   * and only waiting for closeConnection, waiting for a response the restarted Web Connector will never
   * send, or quiet for longer than the grace) and those still working.
   */
  collisions(username: string): { replaceable: SessionRow[]; working: SessionRow[] } {
    const now = this.now();
    const replaceable: SessionRow[] = [];
    const working: SessionRow[] = [];
    for (const row of this.store.active({ username })) {
      if (this.isStale(row, now)) continue; // reaped separately, as an ordinary expiry
      const quietMs = now.getTime() - new Date(row.lastSeenAt).getTime();
      const graceMs = this.policy.supersedeAfterQuietMs ?? supersedeGraceMs;
      // A Web Connector waiting on QuickBooks for a response never logs in again on its own: a login now
      // means it restarted mid-request, and the old session can never finish (PG: the service must recover).
      const stale = row.phase === 'finished' || row.phase === 'awaiting_response';
      if (stale || quietMs > graceMs) replaceable.push(row);
      else working.push(row);
    }
    return { replaceable, working };
  }

  /**
   * How long a login refused with `busy` should wait (authenticate[2]): until every working session of the
   * user has either gone quiet long enough to be superseded or, more likely, finished. At least a minute, so
   * a Web Connector is not sent straight back into the same refusal.
   */
  busyPostponeSeconds(working: readonly SessionRow[]): number {
    const now = this.now().getTime();
    const graceMs = this.policy.supersedeAfterQuietMs ?? supersedeGraceMs;
    const waitMs = Math.max(0, ...working.map((row) => new Date(row.lastSeenAt).getTime() + graceMs - now));
    return Math.max(minPostponeSeconds, Math.ceil(waitMs / 1000) + 5);
  }

  /** Ends an older session for a newer login of the same user; its ticket answers as expired from now on. */
  supersede(row: SessionRow, byId: number): void {
    this.expire(row, this.now(), byId);
  }

  /**
   * The live session of another Web Connector (another user, or another PC) already sending requests for
   * this company file. One that has finished its requests and only waits for closeConnection holds nothing.
   */
  companyFileHolder(companyFile: string, exceptId: number): SessionRow | undefined {
    const now = this.now();
    return this.store
      .active({ companyFile })
      .find((row) => row.id !== exceptId && row.phase !== 'finished' && !this.isStale(row, now));
  }

  /**
   * How long (ms) this session has been waiting for a company file, counting from its first try. In memory:
   * after a restart the wait starts again, which only makes one session wait a little longer.
   */
  waitedForFile(sessionId: number): number {
    const now = this.now().getTime();
    if (!this.fileWaits.has(sessionId) && this.fileWaits.size >= 1000) this.fileWaits.clear();
    const since = this.fileWaits.get(sessionId) ?? now;
    this.fileWaits.set(sessionId, since);
    return now - since;
  }

  stopWaitingForFile(sessionId: number): void {
    this.fileWaits.delete(sessionId);
  }
}
