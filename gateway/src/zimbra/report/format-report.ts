/**
 * Writes a report in the exact layout the Zimbra server's script prints (seed-systems.md §1.3). Used by the
 * demo's sample reports, the benchmark and tests; the parser reads it back.
 */

const rule = '-'.repeat(60);

export type DomainUsage = ReadonlyArray<
  readonly [domain: string, cos: ReadonlyArray<readonly [string, number]>]
>;

export function formatReport(date: string, domains: DomainUsage): string {
  const out: string[] = [rule, `| Zimbra Mailbox Usage Report for ${date}`, rule];
  for (const [domain, cos] of domains) {
    out.push(rule, `| CoS Usage for ${domain}:`, rule);
    for (const [name, count] of cos) out.push(`- ${name}: ${count}`);
    out.push(rule, '');
  }
  return `${out.join('\n')}\n`;
}

export function reportFileName(date: string): string {
  return `MailboxUsage_${date}.txt`;
}

/** The snapshot dates the server's cron writes in a month: the 7th, 14th, 21st and 28th at 03:00. */
export function snapshotDates(year: number, month: number): string[] {
  const ym = `${year}-${String(month).padStart(2, '0')}`;
  return ['07', '14', '21', '28'].map((day) => `${ym}-${day}`);
}
