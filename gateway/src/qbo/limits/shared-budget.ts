import type { Db } from '../../store/database';
import { type BudgetShapes, type RealmBudget, type RequestKind, refilled, waitForToken } from './rate-budget';

/**
 * A realm's rate budget kept in the store (`qbo_rate_budget`), so every process on the same store — `serve`
 * and any CLI command — draws from one set of buckets and honours one 429 pause, as Intuit counts them.
 *
 * Why one row of token buckets rather than a log of calls: the bucket state is three numbers, so a
 * reservation is one primary-key read and one upsert, whatever the traffic; and it is the very arithmetic
 * the in-process limiter uses (rate-budget.ts), whose burst + rate × window ≤ limit holds in any window.
 *
 * Each reservation is one IMMEDIATE transaction: SQLite lets a single writer in at a time across every
 * process and connection, so two processes can never both spend the last token. The time is read inside
 * the transaction, after the lock is taken, so writes happen in clock order. The clock is the wall clock
 * (`Date.now()`), the only one all processes share; if it steps back, buckets refill nothing until it moves
 * on, which can only make us slower, never faster than the limits.
 */

interface BudgetRow {
  minute_tokens: number;
  second_tokens: number;
  batch_tokens: number;
  updated_ms: number;
  throttled_until_ms: number;
}

export class SharedBudget {
  private readonly reserveTx: (realmId: string, kind: RequestKind) => number;
  private readonly pauseTx: (realmId: string, ms: number) => void;

  constructor(
    db: Db,
    private readonly shapes: BudgetShapes,
    private readonly wallNow: () => number = Date.now,
  ) {
    const select = db.prepare(
      `SELECT minute_tokens, second_tokens, batch_tokens, updated_ms, throttled_until_ms
       FROM qbo_rate_budget WHERE realm_id = ?`,
    );
    const upsert = db.prepare(
      `INSERT INTO qbo_rate_budget (realm_id, minute_tokens, second_tokens, batch_tokens, updated_ms,
         throttled_until_ms)
       VALUES (@realm, @minute, @second, @batches, @now, @until)
       ON CONFLICT(realm_id) DO UPDATE SET minute_tokens = excluded.minute_tokens,
         second_tokens = excluded.second_tokens, batch_tokens = excluded.batch_tokens,
         updated_ms = excluded.updated_ms,
         throttled_until_ms = MAX(qbo_rate_budget.throttled_until_ms, excluded.throttled_until_ms)`,
    );
    const reserve = db.transaction((realmId: string, kind: RequestKind): number => {
      const now = this.wallNow();
      const row = select.get(realmId) as BudgetRow | undefined;
      const until = row?.throttled_until_ms ?? 0;
      if (now < until) return Math.ceil(until - now);
      const { minute, second, batches } = this.current(row, now);
      const wait = Math.max(
        waitForToken(shapes.minute, minute),
        waitForToken(shapes.second, second),
        kind === 'batch' ? waitForToken(shapes.batches, batches) : 0,
      );
      // Nothing is written while waiting: the refill is recomputed from updated_ms next time. Whole
      // milliseconds, because that is the wall clock's resolution: a shorter wait could wake to the same
      // `now` and find the bucket as empty as before.
      if (wait > 0) return Math.ceil(wait);
      upsert.run({
        realm: realmId,
        minute: minute - 1,
        second: second - 1,
        batches: kind === 'batch' ? batches - 1 : batches,
        now,
        until,
      });
      return 0;
    });
    const pause = db.transaction((realmId: string, ms: number): void => {
      const now = this.wallNow();
      const row = select.get(realmId) as BudgetRow | undefined;
      upsert.run({ realm: realmId, ...this.current(row, now), now, until: Math.ceil(now + ms) });
    });
    // The store runs synchronous=FULL so a ledger row survives a power cut. A rate budget need not: losing
    // the last reservations in a crash only forgets tokens the 60 s window forgets anyway. With FULL a
    // reservation took ~1.8 ms of fsync on the event loop (measured on ext4; ~0.14 ms with NORMAL, 0.01 ms
    // in memory), so these transactions commit with NORMAL (WAL: no fsync, never corruption; the next FULL
    // commit of the store syncs them too). better-sqlite3 is synchronous, so no other statement of this
    // connection can run between the switch and the reset.
    const durable = Number(db.pragma('synchronous', { simple: true }));
    const relaxed = <T>(run: () => T): T => {
      db.pragma('synchronous = NORMAL');
      try {
        return run();
      } finally {
        db.pragma(`synchronous = ${durable}`);
      }
    };
    this.reserveTx = (realmId, kind) => relaxed(() => reserve.immediate(realmId, kind));
    this.pauseTx = (realmId, ms) => relaxed(() => pause.immediate(realmId, ms));
  }

  /** The buckets as of `now`; a realm nobody has called yet starts full, as in the in-process limiter. */
  private current(row: BudgetRow | undefined, now: number) {
    const shapes = this.shapes;
    if (!row) {
      return {
        minute: shapes.minute.capacity,
        second: shapes.second.capacity,
        batches: shapes.batches.capacity,
      };
    }
    const elapsed = now - row.updated_ms;
    return {
      minute: refilled(shapes.minute, row.minute_tokens, elapsed),
      second: refilled(shapes.second, row.second_tokens, elapsed),
      batches: refilled(shapes.batches, row.batch_tokens, elapsed),
    };
  }

  forRealm(realmId: string): RealmBudget {
    return {
      reserve: (kind) => this.reserveTx(realmId, kind),
      pause: (ms) => this.pauseTx(realmId, ms),
    };
  }
}
