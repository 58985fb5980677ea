import { afterEach, describe, expect, it } from 'vitest';
import type { AppContext } from '../../gateway/src/app/context';
import { budgetShapes } from '../../gateway/src/qbo/limits/rate-budget';
import { defaultHeadroom, intuitLimits } from '../../gateway/src/qbo/limits/rate-limits';
import { SharedBudget } from '../../gateway/src/qbo/limits/shared-budget';
import { testContext } from '../helpers/context';

const opened: AppContext[] = [];
afterEach(() => {
  for (const ctx of opened.splice(0)) ctx.close();
});

function budgetAt(clock: { now: number }) {
  const ctx = testContext();
  opened.push(ctx);
  const shared = new SharedBudget(ctx.db, budgetShapes(intuitLimits, defaultHeadroom, 1), () => clock.now);
  return { ctx, realm: shared.forRealm('9130357000000001') };
}

describe('shared rate budget: 429 pauses', () => {
  it('a shorter pause never shortens a longer one already in force', () => {
    const clock = { now: 1_000_000 };
    const { realm } = budgetAt(clock);
    realm.pause(60_000);
    clock.now += 1_000;
    realm.pause(2_000); // a second 429 answered with a shorter Retry-After
    expect(realm.reserve('request')).toBe(59_000);
    clock.now += 58_999;
    expect(realm.reserve('request')).toBe(1);
    clock.now += 1;
    expect(realm.reserve('request')).toBe(0);
  });

  it('a longer pause extends a shorter one, and other realms are not paused', () => {
    const clock = { now: 5_000_000 };
    const { ctx, realm } = budgetAt(clock);
    realm.pause(1_000);
    realm.pause(30_000);
    expect(realm.reserve('batch')).toBe(30_000);
    const other = new SharedBudget(ctx.db, budgetShapes(intuitLimits, defaultHeadroom, 1), () => clock.now);
    expect(other.forRealm('9130357000000002').reserve('request')).toBe(0);
  });
});
