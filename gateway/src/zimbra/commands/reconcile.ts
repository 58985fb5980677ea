import type { Command } from 'commander';
import type { AppContext } from '../../app/context';
import type { CliRuntime } from '../../cli/runtime';
import { openQbo, type QboConnection } from '../../qbo/index';
import { activeCustomers, activeServiceItems, setCosMapping, setDomainMapping } from '../mappings';
import { findObsoleteCos, type ObsoleteCos } from '../obsolete-cos';
import type { TerminalPrompter } from '../prompts';
import type { UnmappedCos } from '../reconcile';
import { type Period, periodKey } from '../report/highwater';
import { monthPicture, tryOpenQbo } from '../service';
import { ZimbraStore } from '../store';
import { interactive, type PeriodFlags, parsePeriod, withPrompter } from './options';

/**
 * `reconcile-domains` and `reconcile-cos [--review-all]`: prompts on a terminal, a list otherwise (the same
 * changes are made over REST with PUT /api/zimbra/domains/:domain and PUT /api/zimbra/cos/:name).
 */

type ReconcileFlags = PeriodFlags & { nonInteractive?: boolean; json?: boolean };

/** A mapped CoS walked by `--review-all`: what it is mapped to now, and what is wrong with it, if anything. */
type ReviewedCos = UnmappedCos & { current: string; obsolete?: ObsoleteCos };

async function reconcileDomains(runtime: CliRuntime, flags: ReconcileFlags): Promise<void> {
  const period = parsePeriod(flags);
  const ctx = runtime.open();
  const picture = monthPicture(ctx, period);
  if (interactive(flags.nonInteractive) && !flags.json && picture.unmappedDomains.length > 0) {
    const conn = openQbo(ctx);
    const customers = await activeCustomers(conn.client);
    await withPrompter(true, async (prompter) => {
      for (const item of picture.unmappedDomains) {
        const answer = await prompter!.domain(item, customers);
        if (!answer) continue;
        const done = await setDomainMapping(ctx, conn.client, item.domain, answer, 'cli');
        runtime.out(
          done.excluded
            ? `${item.domain}: excluded`
            : `${item.domain} → ${done.customerName} (Id ${done.customerId})`,
        );
      }
    });
    return;
  }
  runtime.print(picture.unmappedDomains, flags, () =>
    picture.unmappedDomains.length === 0
      ? `Every domain seen in ${periodKey(period)} is assigned or excluded.`
      : [
          `${picture.unmappedDomains.length} unmapped domains in ${periodKey(period)} (map with PUT /api/zimbra/domains/:domain or run this on a terminal):`,
          ...picture.unmappedDomains.map(
            (d) =>
              `  ${d.domain} (${d.accounts} accounts)${d.suggestion ? ` — suggested: ${d.suggestion.customerName} (Id ${d.suggestion.customerId}) like ${d.suggestion.via}` : ''}`,
          ),
        ].join('\n'),
  );
}

/** The CoS already mapped, each with its problems (inactive or missing item, no longer in any report). */
async function reviewMapped(
  ctx: AppContext,
  conn: QboConnection | null,
  period: Period,
  unmapped: readonly UnmappedCos[],
): Promise<ReviewedCos[]> {
  const store = new ZimbraStore(ctx.db);
  const obsolete = new Map(
    (await findObsoleteCos(store, conn?.client ?? null, period)).map((o) => [o.name, o]),
  );
  return store
    .cosList()
    .filter((c) => c.itemId && !c.excluded && !unmapped.some((u) => u.name === c.name))
    .map((c) => ({
      name: c.name,
      accounts: 0,
      quotaGb: c.quotaGb,
      current: `${c.itemName} (Id ${c.itemId}), ${c.quotaGb ?? '?'} GB`,
      ...(obsolete.has(c.name) ? { obsolete: obsolete.get(c.name) } : {}),
    }));
}

function changedLine(done: Awaited<ReturnType<typeof setCosMapping>>): string {
  if (done.excluded) return `${done.name}: excluded`;
  if (!done.itemId) return `${done.name}: unmapped`;
  return `${done.name} → ${done.itemName} (Id ${done.itemId}), ${done.quotaGb} GB`;
}

async function promptCos(
  ctx: AppContext,
  runtime: CliRuntime,
  conn: QboConnection,
  todo: ReadonlyArray<UnmappedCos | ReviewedCos>,
  prompter: TerminalPrompter,
): Promise<void> {
  const items = await activeServiceItems(conn.client);
  for (const item of todo) {
    let answer: Awaited<ReturnType<TerminalPrompter['cos']>>;
    if ('current' in item && item.obsolete) answer = await prompter.obsoleteCos(item.obsolete, items);
    else {
      if ('current' in item) runtime.out(`\n${item.name} is mapped to ${item.current}; Enter keeps it.`);
      answer = await prompter.cos(item, items);
    }
    if (answer) runtime.out(changedLine(await setCosMapping(ctx, conn.client, item.name, answer, 'cli')));
  }
}

function cosListText(
  todo: ReadonlyArray<UnmappedCos | ReviewedCos>,
  period: Period,
  checked: boolean,
): string {
  if (todo.length === 0) return `Every CoS seen in ${periodKey(period)} is mapped or excluded.`;
  const lines = [`${todo.length} CoS to map (PUT /api/zimbra/cos/:name or run this on a terminal):`];
  for (const c of todo) {
    const quota = c.quotaGb === null ? ', quota unknown' : `, ${c.quotaGb} GB`;
    lines.push(`  ${c.name} (${c.accounts} accounts${quota})${'current' in c ? ` — now ${c.current}` : ''}`);
    if ('obsolete' in c && c.obsolete)
      for (const p of c.obsolete.problems) lines.push(`      OBSOLETE: ${p}`);
  }
  const obsolete = todo.filter((c) => 'obsolete' in c && c.obsolete).length;
  if (obsolete > 0)
    lines.push(
      `${obsolete} obsolete: fix with PUT /api/zimbra/cos/:name {"itemId": …}, {"exclude": true} or {"unmap": true}`,
    );
  if (!checked) lines.push('QuickBooks is not connected: the mapped items were not checked');
  return lines.join('\n');
}

async function reconcileCos(runtime: CliRuntime, flags: ReconcileFlags & { reviewAll?: boolean }) {
  const period = parsePeriod(flags);
  const ctx = runtime.open();
  const picture = monthPicture(ctx, period);
  const prompting = interactive(flags.nonInteractive) && !flags.json;
  // The review reads the mapped items when QuickBooks is connected; without it the reports alone still tell.
  const conn = flags.reviewAll ? tryOpenQbo(ctx) : null;
  const todo: Array<UnmappedCos | ReviewedCos> = flags.reviewAll
    ? [...picture.unmappedCos, ...(await reviewMapped(ctx, conn, period, picture.unmappedCos))]
    : picture.unmappedCos;
  if (prompting && todo.length > 0) {
    const connection = conn ?? openQbo(ctx); // not connected → exit 4 with how to connect
    await withPrompter(true, (prompter) => promptCos(ctx, runtime, connection, todo, prompter!));
    return;
  }
  runtime.print(todo, flags, () => cosListText(todo, period, !flags.reviewAll || conn !== null));
}

export function registerReconcileCommands(program: Command, runtime: CliRuntime): void {
  program
    .command('reconcile-domains')
    .description(
      'Zimbra: assign unmapped domains to QuickBooks customers (prompts on a terminal; lists them otherwise)',
    )
    .option('--year <year>', 'the month whose usage to look at (default: the previous month)')
    .option('--month <month>', 'month, 1-12')
    .option('--non-interactive', 'only list the unmapped domains')
    .option('--json', 'print JSON')
    .action((flags: ReconcileFlags) => reconcileDomains(runtime, flags));

  program
    .command('reconcile-cos')
    .description(
      'Zimbra: map classes of service to QuickBooks service items (prompts on a terminal; lists them otherwise)',
    )
    .option(
      '--review-all',
      'also walk the CoS already mapped, flagging obsolete ones (item inactive or deleted, CoS in no report since the month began)',
    )
    .option('--year <year>', 'the month whose usage to look at (default: the previous month)')
    .option('--month <month>', 'month, 1-12')
    .option('--non-interactive', 'only list the unmapped CoS')
    .option('--json', 'print JSON')
    .action((flags: ReconcileFlags & { reviewAll?: boolean }) => reconcileCos(runtime, flags));
}
