import type { Db } from '../../store/database';
import { recordQbrAudit } from '../audit/audit';
import type { QbwcSessions } from '../sessions/sessions';
import type { CallMeta } from './call-meta';

/**
 * How a session ends from the Web Connector's side (qbwc.md §2-3): closeConnection after the loop, or
 * connectionError when QuickBooks could not be opened. Each settles the session row, releases the work
 * side and leaves one audit row; the answer is the sentence the Web Connector shows in its Status column.
 */
export function closeConnection(db: Db, sessions: QbwcSessions, ticket: string, meta: CallMeta): string {
  const found = sessions.lookup(ticket);
  if (found.kind === 'unknown') return 'Session closed.';
  if (found.kind !== 'active') {
    if (found.row.status === 'completed' && found.row.queriesTotal === 0) {
      return 'Nothing to update: the QuickBooks figures are up to date.';
    }
    return found.row.lastError ?? `Session ${found.row.status}.`;
  }
  const { row, info } = found;
  const completed = row.lastPercent === 100 && !row.lastError;
  const now = sessions.now().toISOString();
  sessions.update(row, {
    status: completed ? 'completed' : 'failed',
    phase: 'finished',
    completedAt: now,
    lastError: completed
      ? null
      : (row.lastError ?? 'The Web Connector closed the session before it finished.'),
  });
  sessions.finishWork(info, completed ? 'completed' : 'failed');
  recordQbrAudit(db, {
    actor: row.username,
    action: 'qbwc_sync',
    outcome: completed ? 'success' : 'failure',
    resource: `session:${row.id}`,
    failureReason: completed ? undefined : (row.lastError ?? 'closed_early'),
    details: {
      ticketHint: row.ticketHint,
      queriesCompleted: row.queriesCompleted,
      queriesTotal: row.queriesTotal,
      status: completed ? 'completed' : 'failed',
    },
    ipAddress: meta.remoteIp,
  });
  return completed
    ? `OK: ${row.queriesCompleted} of ${row.queriesTotal} requests done.`
    : `Stopped: ${row.lastError ?? 'the session ended before it finished'}`;
}

export function connectionError(
  db: Db,
  sessions: QbwcSessions,
  p: Record<string, string>,
  meta: CallMeta,
): string {
  const found = sessions.lookup(p.ticket ?? '');
  if (found.kind !== 'active') return 'done';
  const { row, info } = found;
  const hresult = (p.hresult ?? '').trim();
  const message = (p.message ?? '').trim();
  const error = `The Web Connector could not open QuickBooks (${hresult || 'no code'}): ${message || 'no message'}`;
  const now = sessions.now().toISOString();
  sessions.update(row, { status: 'failed', phase: 'finished', completedAt: now, lastError: error });
  sessions.finishWork(info, 'failed');
  recordQbrAudit(db, {
    actor: row.username,
    action: 'qbwc_connection_error',
    outcome: 'failure',
    resource: `session:${row.id}`,
    failureReason: message.slice(0, 200) || hresult,
    details: { hresult, ticketHint: row.ticketHint },
    ipAddress: meta.remoteIp,
  });
  return 'done';
}
