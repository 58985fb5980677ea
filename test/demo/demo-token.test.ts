import { describe, expect, it } from 'vitest';
import { createApiToken, listApiTokens, verifyApiToken } from '../../gateway/src/auth/api-tokens';
import { freshDemoToken } from '../../gateway/src/demo/demo';
import { testContext } from '../helpers/context';

describe('demo API tokens', () => {
  it('re-running the demo leaves exactly one valid demo token, and other tokens alone', () => {
    const ctx = testContext();
    const older = createApiToken(ctx.db, 'demo 2026-12-01T10:00:00.000Z').token;
    const mine = createApiToken(ctx.db, 'nightly cron').token;
    const first = freshDemoToken(ctx.db);
    const second = freshDemoToken(ctx.db);
    const third = freshDemoToken(ctx.db);
    expect(verifyApiToken(ctx.db, older)).toBeUndefined();
    expect(verifyApiToken(ctx.db, first)).toBeUndefined();
    expect(verifyApiToken(ctx.db, second)).toBeUndefined();
    expect(verifyApiToken(ctx.db, third)?.name).toBe('demo');
    expect(verifyApiToken(ctx.db, mine)?.name).toBe('nightly cron');
    expect(
      listApiTokens(ctx.db)
        .filter((t) => !t.revokedAt)
        .map((t) => t.name)
        .sort(),
    ).toEqual(['demo', 'nightly cron']);
  });
});
