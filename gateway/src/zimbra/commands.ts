import type { Command } from 'commander';
import { formatCents } from '../../../shared/src/money';
import type { AppContext } from '../app/context';
import { CliError, ExitCode } from '../cli/exit-codes';
import type { CliRuntime } from '../cli/runtime';
import { JobAlreadyRunningError } from '../jobs/jobs';
import { openQbo } from '../qbo/index';
import { reportPath, writeWorkbook } from './billing/excel';
import { undoMonth } from './invoices';
import { setCosMapping, setDomainMapping } from './mappings';
import { terminalPrompter } from './prompts';
import { monthName, type Period, periodKey, previousMonth } from './report/highwater';
import {
  monthPicture,
  type Prompter,
  previewLines,
  runMonthlyBilling,
  sourceFailure,
  steps,
} from './service';
import { openReportSource } from './ssh/fetch';
import { SourceError } from './ssh/source';
import { ZimbraStore } from './store';

/**
 * The Zimbra commands, named and flagged as the seed's operators know them (design.md):
 * `run-monthly-billing`, `generate-report`, `preview-invoices`, `reconcile-domains`, `reconcile-cos`, and
 * `zimbra undo` / `zimbra test-connection`.
 */

interface PeriodFlags {
  year?: string;
  month?: string;
}

export function parsePeriod(flags: PeriodFlags, now = new Date()): Period {
  if (flags.year === undefined && flags.month === undefined) return previousMonth(now);
  const fallback = previousMonth(now);
  const year = flags.year === undefined ? fallback.year : Number(flags.year);
  const month = flags.month === undefined ? fallback.month : Number(flags.month);
  if (!Number.isInteger(year) || year < 2000 || year > 2100) {
    throw new CliError(ExitCode.usage, `--year must be a year such as 2025, got "${flags.year}"`);
  }
  if (!Number.isInteger(month) || month < 1 || month > 12) {
    throw new CliError(ExitCode.usage, `--month must be 1-12, got "${flags.month}"`);
  }
  return { year, month };
}

const money = (cents: number) => `$${formatCents(cents).replace(/\B(?=(\d{3})+(?!\d))/g, ',')}`;

function interactive(nonInteractive: boolean | undefined): boolean {
  return !nonInteractive && Boolean(process.stdin.isTTY && process.stdout.isTTY);
}

function withPrompter<T>(enabled: boolean, run: (prompter: Prompter | undefined) => Promise<T>): Promise<T> {
  if (!enabled) return run(undefined);
  const prompter = terminalPrompter(process.stdin, process.stdout);
  return run(prompter).finally(() => prompter.close());
}

function progressBar(done: number, total: number, width = 30): string {
  const ratio = total > 0 ? done / total : 1;
  const filled = Math.round(ratio * width);
  return `      [${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${done}/${total}`;
}

interface RunFlags extends PeriodFlags {
  skipFetch?: boolean;
  skipReconciliation?: boolean;
  skipInvoices?: boolean;
  nonInteractive?: boolean;
  dryRun?: boolean;
  retryRejected?: boolean;
  jsonOutput?: string;
  customer?: string;
  json?: boolean;
}

async function runCommand(runtime: CliRuntime, flags: RunFlags): Promise<void> {
  const period = parsePeriod(flags);
  const ctx = runtime.open();
  const tty = Boolean(process.stderr.isTTY) && !flags.json;
  const say = (text: string) => (flags.json ? runtime.err(text) : runtime.out(text));
  const result = await withPrompter(interactive(flags.nonInteractive) && !flags.json, (prompter) =>
    runMonthlyBilling(ctx, {
      period,
      skipFetch: flags.skipFetch,
      skipReconciliation: flags.skipReconciliation,
      skipInvoices: flags.skipInvoices,
      dryRun: flags.dryRun,
      retryRejected: flags.retryRejected,
      customerId: flags.customer,
      jsonOutput: flags.jsonOutput,
      prompter,
      actor: 'cli',
      onStep: (step, label) => say(`[${step}/${steps}] ${label}`),
      onLine: say,
      onProgress: tty
        ? (done, total) => {
            process.stderr.write(`\r\x1b[2K${progressBar(done, total)}`);
            if (done >= total) process.stderr.write('\n');
          }
        : undefined,
    }).catch((error) => {
      if (error instanceof JobAlreadyRunningError) throw new CliError(ExitCode.failed, error.message);
      throw error;
    }),
  );
  const s = result.summary as {
    invoices: {
      created_count: number;
      existing_count: number;
      updated_count: number;
      failed_count: number;
      planned_count: number;
      total_amount_cents: number;
      lines_not_added: Array<{ domain: string; cos: string; amountCents: number; reason: string }>;
    };
    failures: Array<{ customer_name: string; error: string }>;
    reconciliation: {
      skipped_domains: number;
      skipped_cos: number;
      items: Array<{ type: string; name: string; suggestion?: string }>;
    };
    status: string;
  };
  runtime.print(result.summary, flags, () => {
    const lines = ['', 'Billing Summary:', `Billing Period: ${periodKey(period)}`];
    if (flags.skipInvoices) lines.push('Invoices: not created (--skip-invoices)');
    else if (flags.dryRun) lines.push(`Invoices that would be created: ${s.invoices.planned_count}`);
    else {
      lines.push(`Invoices Created: ${s.invoices.created_count}`);
      if (s.invoices.existing_count)
        lines.push(`Already existed (skipped, no duplicates): ${s.invoices.existing_count}`);
      if (s.invoices.updated_count)
        lines.push(`Unsent invoices that gained late-mapped lines: ${s.invoices.updated_count}`);
      lines.push(`Total Amount: ${money(s.invoices.total_amount_cents)}`);
    }
    for (const f of s.failures) lines.push(`FAILED ${f.customer_name}: ${f.error}`);
    for (const n of s.invoices.lines_not_added)
      lines.push(`Not billed: ${n.domain} - ${n.cos} ${money(n.amountCents)} (${n.reason}); bill it by hand`);
    if (s.reconciliation.items.length > 0) {
      lines.push(
        `Skipped: ${s.reconciliation.skipped_domains} unmapped domains, ${s.reconciliation.skipped_cos} unmapped CoS (run reconcile-domains / reconcile-cos):`,
      );
      for (const item of s.reconciliation.items.slice(0, 20))
        lines.push(`  ${item.type} ${item.name}${item.suggestion ? ` — suggested: ${item.suggestion}` : ''}`);
    }
    lines.push(`Status: ${s.status}`);
    return lines.join('\n');
  });
  if (result.exitCode !== 0) process.exitCode = result.exitCode;
}

function requireQbo(ctx: AppContext) {
  return openQbo(ctx);
}

export function registerZimbraCommands(program: Command, runtime: CliRuntime): void {
  program
    .command('run-monthly-billing')
    .description(
      'Zimbra: fetch the month’s usage reports, reconcile, create draft invoices, write the Excel and JSON reports',
    )
    .option('--year <year>', 'year to bill (default: the previous month’s)')
    .option('--month <month>', 'month to bill, 1-12 (default: the previous month)')
    .option('--skip-fetch', 'use the usage already stored instead of reading the reports again')
    .option('--skip-reconciliation', 'do not ask about (or list) unmapped domains and CoS')
    .option('--skip-invoices', 'report only: no invoices are created')
    .option('--non-interactive', 'never prompt; unmapped items are skipped and reported (for cron)')
    .option('--dry-run', 'show what would be created without writing to QuickBooks')
    .option(
      '--retry-rejected',
      'also send again invoices QuickBooks refused before (after you fixed the cause)',
    )
    .option('--customer <id>', 'bill only this QuickBooks customer Id')
    .option('--json-output <path>', 'also write the JSON summary to this file')
    .option('--json', 'print the JSON summary on stdout instead of the readable summary')
    .action((flags: RunFlags) => runCommand(runtime, flags));

  program
    .command('generate-report')
    .description('Zimbra: write the Excel report for a month from the stored usage (no invoices)')
    .requiredOption('--year <year>', 'year')
    .requiredOption('--month <month>', 'month, 1-12')
    .option(
      '--output <path>',
      'the .xlsx file to write (default: DATA_DIR/billing_report_YYYY_MM_<stamp>.xlsx)',
    )
    .action(async (flags: PeriodFlags & { output?: string }) => {
      const period = parsePeriod(flags);
      const ctx = runtime.open();
      const picture = monthPicture(ctx, period);
      if (picture.highwater.length === 0) {
        throw new CliError(
          ExitCode.failed,
          `No usage stored for ${periodKey(period)}; run \`qb-bridge run-monthly-billing --year ${period.year} --month ${period.month} --skip-invoices\` first`,
        );
      }
      const preview = await previewLines(ctx, picture, period);
      const generatedAt = new Date().toISOString();
      const dates = [...new Set(picture.highwater.flatMap((h) => h.samples.map((s) => s.date)))].sort();
      const data = {
        period,
        generatedAt,
        priceSource: preview.priceSource,
        lines: preview.lines,
        usage: picture.highwater.map((hw) => {
          const b = picture.billable.find((l) => l.domain === hw.domain && l.cos === hw.cos);
          const ex = picture.excluded.some((e) => e.domain === hw.domain && e.cos === hw.cos);
          return {
            domain: hw.domain,
            cos: hw.cos,
            customerName: b?.customerName ?? null,
            status: b ? ('billable' as const) : ex ? ('excluded' as const) : ('unmapped' as const),
            highwater: hw,
          };
        }),
        snapshotDates: dates,
      };
      const file = await writeWorkbook(data, flags.output ?? reportPath(ctx.config.dataDir, data));
      runtime.out(file);
      if (preview.failures.length > 0) {
        for (const f of preview.failures) runtime.err(`Customer ${f.customerId}: ${f.error}`);
        process.exitCode = ExitCode.partial;
      }
    });

  program
    .command('preview-invoices')
    .description(
      'Zimbra: show the invoices a month would get, at current QuickBooks prices, without creating them',
    )
    .requiredOption('--year <year>', 'year')
    .requiredOption('--month <month>', 'month, 1-12')
    .option('--customer-id <id>', 'only this QuickBooks customer Id')
    .option('--json', 'print JSON')
    .action(async (flags: PeriodFlags & { customerId?: string; json?: boolean }) => {
      const period = parsePeriod(flags);
      const ctx = runtime.open();
      requireQbo(ctx);
      const picture = monthPicture(ctx, period);
      const preview = await previewLines(ctx, picture, period, flags.customerId);
      runtime.print(preview, flags, () => {
        const out = [`Invoices for ${monthName(period)} (${preview.priceSource})`];
        const byCustomer = new Map<string, typeof preview.lines>();
        for (const l of preview.lines)
          byCustomer.set(l.customerName, [...(byCustomer.get(l.customerName) ?? []), l]);
        let total = 0;
        for (const [name, lines] of byCustomer) {
          const sum = lines.reduce((s, l) => s + (l.amountCents ?? 0), 0);
          total += sum;
          out.push('', `${name} — ${lines[0]?.docNumber ?? ''}  ${money(sum)}`);
          for (const l of lines)
            out.push(
              `  ${l.domain} - ${l.cos}  ${l.accounts} × ${l.unitPriceCents === null ? '?' : money(l.unitPriceCents)} = ${l.amountCents === null ? '?' : money(l.amountCents)}`,
            );
        }
        for (const f of preview.failures) out.push(`CANNOT PRICE customer ${f.customerId}: ${f.error}`);
        out.push('', `Total: ${money(total)} in ${byCustomer.size} invoices`);
        return out.join('\n');
      });
      if (preview.failures.length > 0) process.exitCode = ExitCode.partial;
    });

  program
    .command('reconcile-domains')
    .description(
      'Zimbra: assign unmapped domains to QuickBooks customers (prompts on a terminal; lists them otherwise)',
    )
    .option('--year <year>', 'the month whose usage to look at (default: the previous month)')
    .option('--month <month>', 'month, 1-12')
    .option('--non-interactive', 'only list the unmapped domains')
    .option('--json', 'print JSON')
    .action(async (flags: PeriodFlags & { nonInteractive?: boolean; json?: boolean }) => {
      const period = parsePeriod(flags);
      const ctx = runtime.open();
      const picture = monthPicture(ctx, period);
      if (interactive(flags.nonInteractive) && !flags.json && picture.unmappedDomains.length > 0) {
        const conn = requireQbo(ctx);
        const customers = (
          await conn.client.queryAll<Record<string, unknown>>('Customer', 'Active = true')
        ).map((c) => ({ id: String(c.Id), name: String(c.DisplayName ?? '') }));
        await withPrompter(true, async (prompter) => {
          for (const item of picture.unmappedDomains) {
            const answer = await prompter!.domain(item, customers);
            if (answer) {
              const done = await setDomainMapping(ctx, conn.client, item.domain, answer, 'cli');
              runtime.out(
                done.excluded
                  ? `${item.domain}: excluded`
                  : `${item.domain} → ${done.customerName} (Id ${done.customerId})`,
              );
            }
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
    });

  program
    .command('reconcile-cos')
    .description(
      'Zimbra: map classes of service to QuickBooks service items (prompts on a terminal; lists them otherwise)',
    )
    .option('--review-all', 'also walk the CoS that are already mapped')
    .option('--year <year>', 'the month whose usage to look at (default: the previous month)')
    .option('--month <month>', 'month, 1-12')
    .option('--non-interactive', 'only list the unmapped CoS')
    .option('--json', 'print JSON')
    .action(
      async (flags: PeriodFlags & { reviewAll?: boolean; nonInteractive?: boolean; json?: boolean }) => {
        const period = parsePeriod(flags);
        const ctx = runtime.open();
        const picture = monthPicture(ctx, period);
        const store = new ZimbraStore(ctx.db);
        const todo = flags.reviewAll
          ? [
              ...picture.unmappedCos,
              ...store
                .cosList()
                .filter((c) => c.itemId && !picture.unmappedCos.some((u) => u.name === c.name))
                .map((c) => ({
                  name: c.name,
                  accounts: 0,
                  quotaGb: c.quotaGb,
                  current: `${c.itemName} (Id ${c.itemId}), ${c.quotaGb ?? '?'} GB`,
                })),
            ]
          : picture.unmappedCos;
        if (interactive(flags.nonInteractive) && !flags.json && todo.length > 0) {
          const conn = requireQbo(ctx);
          const items = (
            await conn.client.queryAll<Record<string, unknown>>('Item', "Type = 'Service' AND Active = true")
          ).map((i) => ({
            id: String(i.Id),
            name: String(i.Name ?? ''),
            unitPriceCents: typeof i.UnitPrice === 'number' ? Math.round(i.UnitPrice * 100) : null,
          }));
          await withPrompter(true, async (prompter) => {
            for (const item of todo) {
              if ('current' in item)
                runtime.out(`\n${item.name} is mapped to ${item.current}; Enter keeps it.`);
              const answer = await prompter!.cos(item, items);
              if (answer) {
                const done = await setCosMapping(ctx, conn.client, item.name, answer, 'cli');
                runtime.out(
                  done.excluded
                    ? `${item.name}: excluded`
                    : `${item.name} → ${done.itemName} (Id ${done.itemId}), ${done.quotaGb} GB`,
                );
              }
            }
          });
          return;
        }
        runtime.print(todo, flags, () =>
          todo.length === 0
            ? `Every CoS seen in ${periodKey(period)} is mapped or excluded.`
            : [
                `${todo.length} CoS to map (PUT /api/zimbra/cos/:name or run this on a terminal):`,
                ...todo.map(
                  (c) =>
                    `  ${c.name} (${c.accounts} accounts${c.quotaGb === null ? ', quota unknown' : `, ${c.quotaGb} GB`})${'current' in c ? ` — now ${c.current}` : ''}`,
                ),
              ].join('\n'),
        );
      },
    );

  const zimbra = program
    .command('zimbra')
    .description('Zimbra billing: undo a month, test the SSH connection');
  zimbra
    .command('undo')
    .description(
      'Delete the still-unsent, unedited draft invoices qb-bridge created for a month (sent or edited ones are kept and listed)',
    )
    .requiredOption('--year <year>', 'year')
    .requiredOption('--month <month>', 'month, 1-12')
    .option('--customer <id>', 'only this QuickBooks customer Id')
    .option('--json', 'print JSON')
    .action(async (flags: PeriodFlags & { customer?: string; json?: boolean }) => {
      const period = parsePeriod(flags);
      const ctx = runtime.open();
      const results = await undoMonth(ctx, requireQbo(ctx), period, {
        customerId: flags.customer,
        actor: 'cli',
      });
      runtime.print(results, flags, () =>
        results.length === 0
          ? `qb-bridge created no invoices for ${periodKey(period)}${flags.customer ? ` for customer ${flags.customer}` : ''}.`
          : results
              .map(
                (r) =>
                  `${r.docNumber} (customer ${r.customerId}): ${r.outcome}${r.reason ? ` — ${r.reason}` : ''}`,
              )
              .join('\n'),
      );
      if (results.some((r) => r.outcome !== 'deleted')) process.exitCode = ExitCode.partial;
    });

  zimbra
    .command('test-connection')
    .description('Connect to the Zimbra server (host key verified) and list the report folder')
    .action(async () => {
      const ctx = runtime.open();
      try {
        const source = await openReportSource(ctx.config);
        try {
          const names = (await source.list()).filter((n) => /^MailboxUsage.*\.txt$/.test(n)).sort();
          runtime.out(
            `✓ Zimbra connection successful: ${source.description} (${names.length} reports${names.length ? `, newest ${names[names.length - 1]}` : ''})`,
          );
        } finally {
          await source.close();
        }
      } catch (error) {
        if (error instanceof SourceError) throw sourceFailure(error);
        throw error;
      }
    });
}
