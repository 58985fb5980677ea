import { Command } from 'commander';
import { afterEach, describe, expect, it } from 'vitest';
import { CliError, ExitCode } from '../../gateway/src/cli/exit-codes';
import { createRuntime } from '../../gateway/src/cli/runtime';
import { HistoryStore } from '../../gateway/src/qbwc/metrics/history-store';
import { MappingStore } from '../../gateway/src/qbwc/metrics/mapping-store';
import { registerQbwcReprocessCommand } from '../../gateway/src/qbwc/reprocess-command';
import { createQbwcWork } from '../../gateway/src/qbwc/service';
import { fixture, newSession, openTestContext, storeJanuaryAndFebruary, type TestContext } from './helpers';

let t: TestContext;
afterEach(() => {
  process.exitCode = undefined;
  t.cleanup();
});

async function runReprocess(args: string[]): Promise<{ out: string[]; error?: CliError }> {
  const runtime = createRuntime({ DATA_DIR: t.dir, LOG_LEVEL: 'silent' }, t.dir);
  const out: string[] = [];
  runtime.out = (text) => out.push(text);
  runtime.err = () => {};
  const group = new Command('qbwc').exitOverride();
  registerQbwcReprocessCommand(group, runtime);
  for (const c of group.commands) c.exitOverride();
  try {
    await group.parseAsync(['reprocess', ...args], { from: 'user' });
    return { out };
  } catch (error) {
    if (error instanceof CliError) return { out, error };
    throw error;
  } finally {
    runtime.close();
  }
}

describe('qb-bridge qbwc reprocess', () => {
  it('recomputes a stored month with the current mappings and prints JSON', async () => {
    t = openTestContext();
    const work = createQbwcWork(t.ctx, { now: () => new Date('2025-02-10T12:00:00Z') });
    const session = newSession(t.ctx);
    work.plan(session);
    work.receive(session, { xml: fixture('pnl-simple.xml'), hresult: '', message: '' });
    const rent = new MappingStore(t.ctx.db).create({
      metricKey: 'owner_comp',
      pattern: '6500 · Rent Expense',
      matchType: 'exact',
      priority: 0,
      isActive: true,
      notes: 'the owner is paid through the rent',
    });
    expect(rent.id).toBeGreaterThan(22);

    const { out, error } = await runReprocess(['--period', '2025-01', '--json']);
    expect(error).toBeUndefined();
    const summary = JSON.parse(out.join('\n')) as {
      reprocessed: number;
      periods: Array<{ metrics: Record<string, string> }>;
    };
    expect(summary.reprocessed).toBe(1);
    expect(summary.periods[0]!.metrics).toMatchObject({ owner_comp: '20000.00', other_expenses: '0.00' });
    const stored = new HistoryStore(t.ctx.db).metrics('2025-01', '2025-01');
    expect(stored.find((r) => r.metric_name === 'owner_comp')?.metric_value).toBe('20000.00');
    expect(stored.find((r) => r.metric_name === 'other_expenses')?.metric_value).toBe('0.00');
  });

  it('--all covers every stored month; usage errors exit 2; nothing stored exits 1', async () => {
    t = openTestContext();
    expect((await runReprocess([])).error?.exitCode).toBe(ExitCode.usage);
    expect((await runReprocess(['--period', '2025-1'])).error?.exitCode).toBe(ExitCode.usage);
    expect((await runReprocess(['--period', '2025-01', '--all'])).error?.exitCode).toBe(ExitCode.usage);
    expect((await runReprocess(['--all'])).error?.exitCode).toBe(ExitCode.failed);

    storeJanuaryAndFebruary(t.ctx);
    const { out } = await runReprocess(['--all']);
    expect(out.join('\n')).toMatch(/2025-01 {2}recomputed/);
    expect(out.join('\n')).toMatch(/2025-02 {2}recomputed.*4 unmapped/);
    expect(out.join('\n').split('\n').at(-1)).toBe('2 month(s) recomputed, 0 failed');
  });
});
