import crypto from 'node:crypto';
import type { Db } from '../../store/database';

/** Long enough to log in to Intuit and pick a company, short enough that a leaked URL goes stale. */
export const oauthStateTtlMs = 10 * 60 * 1000;

export type StateCheck =
  | { ok: true; initiator: string }
  | { ok: false; problem: 'missing' | 'unknown' | 'used' | 'expired'; message: string };

/**
 * Issues the random `state` for one authorize round trip. It is stored (not signed) so the CLI and the
 * gateway, which share the store, can each finish a round trip the other started.
 */
export function createOAuthState(db: Db, initiator: string, nowMs = Date.now()): string {
  const state = crypto.randomBytes(24).toString('base64url');
  db.prepare('DELETE FROM qbo_oauth_states WHERE expires_at < ?').run(nowMs - oauthStateTtlMs);
  db.prepare(
    'INSERT INTO qbo_oauth_states (state, created_at, expires_at, initiator) VALUES (?, ?, ?, ?)',
  ).run(state, nowMs, nowMs + oauthStateTtlMs, initiator);
  return state;
}

const restart = 'start again from /qbo/connect or `qb-bridge authorize-qbo`';

/** Checks and burns a returned `state` in one statement, so two callbacks cannot both pass. */
export function consumeOAuthState(db: Db, state: string | undefined, nowMs = Date.now()): StateCheck {
  if (!state) {
    return { ok: false, problem: 'missing', message: `The callback carries no state parameter; ${restart}` };
  }
  const claimed = db
    .prepare(
      `UPDATE qbo_oauth_states SET used_at = ? WHERE state = ? AND used_at IS NULL AND expires_at > ?
       RETURNING initiator`,
    )
    .get(nowMs, state, nowMs) as { initiator: string } | undefined;
  if (claimed) return { ok: true, initiator: claimed.initiator };
  const row = db.prepare('SELECT used_at, expires_at FROM qbo_oauth_states WHERE state = ?').get(state) as
    | { used_at: number | null; expires_at: number }
    | undefined;
  if (!row) {
    return {
      ok: false,
      problem: 'unknown',
      message: `The callback's state does not match any connection this qb-bridge started; ${restart}`,
    };
  }
  if (row.used_at !== null) {
    return {
      ok: false,
      problem: 'used',
      message: `This authorization was already completed once; ${restart}`,
    };
  }
  return {
    ok: false,
    problem: 'expired',
    message: `The authorization took longer than 10 minutes; ${restart}`,
  };
}

/** Whether a state has been used yet (the CLI watches this when the gateway receives the callback). */
export function oauthStateUsed(db: Db, state: string): boolean {
  const row = db.prepare('SELECT used_at FROM qbo_oauth_states WHERE state = ?').get(state) as
    | { used_at: number | null }
    | undefined;
  return row?.used_at !== null && row?.used_at !== undefined;
}
