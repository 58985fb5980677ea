import { dateFromFileName } from '../report/parse-report';

/**
 * Where the weekly reports come from. The SFTP source reads them from the Zimbra server; the local-folder
 * source reads copies someone put in a folder (and the demo's samples). Both list names and read files;
 * picking the month's files and parsing happen the same way for both.
 */
export interface ReportSource {
  /** Words for messages: `sftp://zimbra@mail.example.com:22/opt/MonthlyUsageReports`, `folder ./reports`. */
  readonly description: string;
  list(): Promise<string[]>;
  read(name: string): Promise<string>;
  close(): Promise<void>;
}

export class SourceError extends Error {
  constructor(
    message: string,
    /** `config`: fix a setting (exit 4); `host-key`: a refused server key (exit 4); `io`: try again (exit 1). */
    readonly kind: 'config' | 'host-key' | 'io',
  ) {
    super(message);
    this.name = 'SourceError';
  }
}

/** Report file names the server's cron writes; anything else in the folder is left alone. */
const reportName = /^MailboxUsage_[0-9_-]{8,10}\.txt$/;

/** The report names a month needs, with their dates, oldest first. `window` is `[from, to)` ISO dates. */
export function selectReports(
  names: readonly string[],
  window: { from: string; to: string },
): Array<{ name: string; date: string }> {
  const picked: Array<{ name: string; date: string }> = [];
  for (const name of names) {
    if (!reportName.test(name)) continue;
    const date = dateFromFileName(name);
    if (date && date >= window.from && date < window.to) picked.push({ name, date });
  }
  return picked.sort((a, b) => (a.date === b.date ? (a.name < b.name ? -1 : 1) : a.date < b.date ? -1 : 1));
}

/** The largest report read (a month of reports for thousands of domains is a few MB). */
export const maxReportBytes = 64 * 1024 * 1024;

/**
 * `ZIMBRA_REPORT_PATH` on the server: absolute, no `..`, no `~`, no control characters (the seed refused
 * `..` and `~` too; a path is never passed to a shell here, but it names what the run may read).
 */
export function validateRemotePath(value: string): string {
  const text = value.trim();
  if (!text.startsWith('/'))
    throw new SourceError(
      `ZIMBRA_REPORT_PATH "${value}" must be an absolute path such as /opt/MonthlyUsageReports`,
      'config',
    );
  if ([...text].some((ch) => ch.charCodeAt(0) < 0x20 || ch.charCodeAt(0) === 0x7f))
    throw new SourceError('ZIMBRA_REPORT_PATH contains control characters', 'config');
  if (text.split('/').some((part) => part === '..' || part.startsWith('~'))) {
    throw new SourceError(`ZIMBRA_REPORT_PATH "${value}" must not contain ".." or "~"`, 'config');
  }
  return text.replace(/\/+$/, '') || '/';
}
