import type { Command } from 'commander';
import { CliError, ExitCode } from '../../cli/exit-codes';
import type { CliRuntime } from '../../cli/runtime';
import { openQbo } from '../../qbo/index';
import { reportPath, writeWorkbook } from '../billing/excel';
import type { ReportLine } from '../billing/report-lines';
import { monthName, type Period, periodKey } from '../report/highwater';
import { monthPicture, previewLines, reportData } from '../service';
import { money, type PeriodFlags, parsePeriod } from './options';

/** `generate-report` (the Excel workbook from stored usage) and `preview-invoices` (nothing is created). */

type Preview = Awaited<ReturnType<typeof previewLines>>;

async function generateReport(runtime: CliRuntime, flags: PeriodFlags & { output?: string }): Promise<void> {
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
  const data = reportData(period, picture, null, preview);
  const file = await writeWorkbook(data, flags.output ?? reportPath(ctx.config.dataDir, data));
  runtime.out(file);
  if (preview.failures.length > 0) {
    for (const f of preview.failures) runtime.err(`Customer ${f.customerId}: ${f.error}`);
    process.exitCode = ExitCode.partial;
  }
}

/** One block per customer (its DocNumber and total), one line per domain and CoS, then the grand total. */
export function previewText(preview: Preview, period: Period): string {
  const out = [`Invoices for ${monthName(period)} (${preview.priceSource})`];
  const byCustomer = new Map<string, ReportLine[]>();
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
}

async function previewInvoices(
  runtime: CliRuntime,
  flags: PeriodFlags & { customerId?: string; json?: boolean },
): Promise<void> {
  const period = parsePeriod(flags);
  const ctx = runtime.open();
  openQbo(ctx); // not connected → exit 4 with the sentence that says how to connect
  const picture = monthPicture(ctx, period);
  const preview = await previewLines(ctx, picture, period, flags.customerId);
  runtime.print(preview, flags, () => previewText(preview, period));
  if (preview.failures.length > 0) process.exitCode = ExitCode.partial;
}

export function registerReportCommands(program: Command, runtime: CliRuntime): void {
  program
    .command('generate-report')
    .description('Zimbra: write the Excel report for a month from the stored usage (no invoices)')
    .requiredOption('--year <year>', 'year')
    .requiredOption('--month <month>', 'month, 1-12')
    .option(
      '--output <path>',
      'the .xlsx file to write (default: DATA_DIR/billing_report_YYYY_MM_<stamp>.xlsx)',
    )
    .action((flags: PeriodFlags & { output?: string }) => generateReport(runtime, flags));

  program
    .command('preview-invoices')
    .description(
      'Zimbra: show the invoices a month would get, at current QuickBooks prices, without creating them',
    )
    .requiredOption('--year <year>', 'year')
    .requiredOption('--month <month>', 'month, 1-12')
    .option('--customer-id <id>', 'only this QuickBooks customer Id')
    .option('--json', 'print JSON')
    .action((flags: PeriodFlags & { customerId?: string; json?: boolean }) =>
      previewInvoices(runtime, flags),
    );
}
