import crypto from 'node:crypto';
import type { AppContext } from '../../app/context';
import { recordQbrAudit } from '../audit/audit';
import { checkLogin, type Lock, type LockoutPolicy, resolveCredentials } from '../sessions/credentials';
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
  sleep?: (ms: number) => Promise<void>;
}

/** Refusal tickets are kept this long for the getLastError that may follow the `nvu`. */
const refusalTtlMs = 10 * 60_000;
const maxRefusals = 1000;

/** One line on a lock: whose name, from where, until when, after how many failures. */
export function lockSummary(lock: Lock): string {
  const until = `${lock.until.toISOString().slice(0, 16).replace('T', ' ')} UTC`;
  const from = lock.remoteIp ? ` from ${lock.remoteIp}` : '';
  return `The Web Connector user "${lock.username}" is locked out${from} until ${until} after ${lock.failures} wrong passwords`;
}

/** What the user reads (getLastError) when their name is locked out from this address: and how to lift it. */
export function lockedMessage(lock: Lock): string {
  return `${lockSummary(lock)}. Check the password in the Web Connector, wait until then, or ask the qb-bridge administrator to run \`qb-bridge qbwc unlock --username ${lock.username}\`.`;
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
  /**
   * A refused login gets a ticket of its own (no session behind it) so the Web Connector's getLastError can
   * say why: 'nvu' alone reads as a wrong password even when the name is locked.
   */
  private readonly refusals = new Map<string, { message: string; at: number }>();

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

  /** The sentence behind a refusal ticket handed out with `nvu`, or undefined for any other ticket. */
  refusalMessage(ticket: string, now: Date): string | undefined {
    const refusal = this.refusals.get(ticket);
    if (!refusal || now.getTime() - refusal.at > refusalTtlMs) return undefined;
    return refusal.message;
  }

  private refuse(message: string, now: Date): string {
    if (this.refusals.size >= maxRefusals) {
      // oldest first (a Map keeps insertion order): a flood of refused logins cannot grow it
      for (const ticket of [...this.refusals.keys()].slice(0, maxRefusals / 2)) this.refusals.delete(ticket);
    }
    const ticket = crypto.randomBytes(32).toString('hex');
    this.refusals.set(ticket, { message, at: now.getTime() });
    return ticket;
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
      { gate: this.options.hashGate, address: this.options.addressLimit, sleep: this.options.sleep },
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
    if (login.reason === 'locked_out') {
      this.audit(username, meta, now, 'denied', login.reason, {
        lockedUntil: login.lock.until.toISOString(),
        failures: login.lock.failures,
      });
      return [this.refuse(lockedMessage(login.lock), now), 'nvu', '', ''];
    }
    this.audit(username, meta, now, 'failure', login.reason);
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
