import { formatCents } from '../../../../shared/src/money';
import { CliError, ExitCode } from '../../cli/exit-codes';
import { type TerminalPrompter, terminalPrompter } from '../prompts';
import { type Period, previousMonth } from '../report/highwater';

/** What every Zimbra command shares: the month flags, money as operators read it, and the prompts. */

export interface PeriodFlags {
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

export const money = (cents: number) => `$${formatCents(cents).replace(/\B(?=(\d{3})+(?!\d))/g, ',')}`;

/** Prompts only on a terminal, and never when the caller said `--non-interactive`. */
export function interactive(nonInteractive: boolean | undefined): boolean {
  return !nonInteractive && Boolean(process.stdin.isTTY && process.stdout.isTTY);
}

export function withPrompter<T>(
  enabled: boolean,
  run: (prompter: TerminalPrompter | undefined) => Promise<T>,
): Promise<T> {
  if (!enabled) return run(undefined);
  const prompter = terminalPrompter(process.stdin, process.stdout);
  return run(prompter).finally(() => prompter.close());
}
