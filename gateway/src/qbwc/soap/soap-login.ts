import type { AppContext } from '../../app/context';
import { recordQbrAudit } from '../audit/audit';
import { checkLogin, type LockoutPolicy, resolveCredentials } from '../sessions/credentials';
import {
  type AddressLimitPolicy,
  addressLimitAudited,
  addressLimitedReason,
  type HashGate,
  pruneIntervalMs,
  pruneLoginRecords,
} from '../sessions/login-limits';
import { minPostponeSeconds } from '../sessions/sessions';
import type { CallMeta } from './call-meta';

export interface LoginGateOptions {
  lockout: LockoutPolicy;
  addressLimit: AddressLimitPolicy;
  hashGate: HashGate | undefined;
}

type Outcome = 'success' | 'failure' | 'denied';

/**
 * The credential half of `authenticate`: the password check with its per-user lockout, the per-address
 * limit and the cap on concurrent hashes, each refusal audited (at most once per window where a flood
 * could otherwise write a row per call). Sessions are the caller's business.
 */
export class QbwcLoginGate {
  private lastPruneAt: number | undefined;
  private lastBusyWarnAt: number | undefined;

  constructor(
    private readonly ctx: AppContext,
    private readonly options: LoginGateOptions,
  ) {}

  audit(
    username: string,
    meta: CallMeta,
    now: Date,
    outcome: Outcome,
    failureReason?: string,
    details: Record<string, unknown> = {},
  ): void {
    recordQbrAudit(
      this.ctx.db,
      {
        actor: username.trim() === '' ? 'unknown' : username,
        action: 'qbwc_auth',
        outcome,
        failureReason,
        details,
        ipAddress: meta.remoteIp,
        userAgent: meta.userAgent,
      },
      now,
    );
  }

  /** Returns the authenticate answer that refuses the login, or undefined when the credentials are good. */
  async check(username: string, password: string, meta: CallMeta, now: Date): Promise<string[] | undefined> {
    const { db, log } = this.ctx;
    this.pruneNowAndThen(now);
    const login = await checkLogin(
      db,
      resolveCredentials(db, this.ctx.config),
      { username, password, remoteIp: meta.remoteIp },
      now,
      this.options.lockout,
      { gate: this.options.hashGate, address: this.options.addressLimit },
    );
    if (login.ok) return undefined;
    if (login.reason === 'busy') {
      // A flood would otherwise write one line per call.
      if (this.lastBusyWarnAt === undefined || now.getTime() - this.lastBusyWarnAt >= 60_000) {
        this.lastBusyWarnAt = now.getTime();
        log.warn({ remoteIp: meta.remoteIp }, 'qbwc logins turned away: too many at once');
      }
      // Hashes free up within seconds; the shortest postpone the Web Connector's scheduler honours is plenty.
      return ['', 'busy', String(minPostponeSeconds), ''];
    }
    if (login.reason === 'address_limited') {
      const limit = this.options.addressLimit;
      if (!addressLimitAudited(db, meta.remoteIp ?? '', now, limit)) {
        this.audit(username, meta, now, 'denied', addressLimitedReason, {
          windowMinutes: limit.windowMs / 60_000,
        });
        log.warn(
          { remoteIp: meta.remoteIp },
          'qbwc logins from this address refused for a while: too many failed logins',
        );
      }
      return ['', 'nvu', '', ''];
    }
    if (login.reason === 'not_configured') {
      log.warn('Web Connector login refused: no password is set; run `qb-bridge qbwc set-password`');
    }
    this.audit(username, meta, now, login.reason === 'locked_out' ? 'denied' : 'failure', login.reason);
    return ['', 'nvu', '', ''];
  }

  /** Login attempts and auth audit rows would otherwise grow with every anonymous call; hourly is plenty. */
  private pruneNowAndThen(now: Date): void {
    if (this.lastPruneAt !== undefined && now.getTime() - this.lastPruneAt < pruneIntervalMs) return;
    this.lastPruneAt = now.getTime();
    const pruned = pruneLoginRecords(this.ctx.db, now, this.options.lockout, this.options.addressLimit);
    if (pruned.attempts + pruned.auditRows > 0) this.ctx.log.info(pruned, 'qbwc old login records pruned');
  }
}
