import type { Config } from '../../config/load';
import { fetchWindow, type Period } from '../report/highwater';
import { type ParsedReport, parseReport } from '../report/parse-report';
import { localFolderSource } from './local-source';
import { openSftpSource } from './sftp-source';
import { type ReportSource, SourceError, selectReports } from './source';

export interface FetchedReport {
  name: string;
  /** The snapshot date (file name, else the report header). */
  date: string;
  parsed: ParsedReport;
  bytes: number;
}

export interface FetchProgress {
  index: number;
  total: number;
  name: string;
  bytes: number;
}

/**
 * The report source the configuration names: SFTP when ZIMBRA_HOST is set, otherwise the local folder
 * ZIMBRA_REPORT_PATH (reports copied by other means, or the demo's samples).
 */
export async function openReportSource(
  config: Config,
  env: NodeJS.ProcessEnv = process.env,
): Promise<ReportSource> {
  if (!config.ZIMBRA_HOST) return localFolderSource(config.ZIMBRA_REPORT_PATH);
  return openSftpSource({
    host: config.ZIMBRA_HOST,
    port: config.ZIMBRA_PORT,
    username: config.ZIMBRA_USERNAME,
    keyFile: config.ZIMBRA_KEY_FILE,
    agentSocket: env.SSH_AUTH_SOCK,
    knownHosts: config.ZIMBRA_KNOWN_HOSTS,
    reportPath: config.ZIMBRA_REPORT_PATH,
  });
}

export interface SourceCheck {
  description: string;
  reports: number;
  newest: string | null;
  message: string;
}

/**
 * Connects the way a run does (host key verified, key login, SFTP) and lists the report folder: what
 * `zimbra test-connection` and `test-connections` show. Throws SourceError with the sentence that fixes it
 * (for an unknown host key: its fingerprint and the line to add).
 */
export async function checkReportSource(config: Config): Promise<SourceCheck> {
  const source = await openReportSource(config);
  try {
    const names = (await source.list()).filter((n) => /^MailboxUsage.*\.txt$/.test(n)).sort();
    const newest = names[names.length - 1] ?? null;
    return {
      description: source.description,
      reports: names.length,
      newest,
      message: `✓ Zimbra connection successful: ${source.description} (${names.length} reports${newest ? `, newest ${newest}` : ''})`,
    };
  } finally {
    await source.close();
  }
}

/**
 * Lists the source, reads every report dated within a week of the month (seed-systems.md §1.2) and parses
 * it. A file whose name carries no date falls back to its header date (the seed silently lost those).
 */
export async function fetchMonthReports(
  source: ReportSource,
  period: Period,
  onProgress?: (progress: FetchProgress) => void,
): Promise<{ reports: FetchedReport[]; skipped: Array<{ name: string; reason: string }> }> {
  const window = fetchWindow(period);
  const names = await source.list();
  const picked = selectReports(names, window);
  const skipped: Array<{ name: string; reason: string }> = [];
  // Undated report-like names are read to see whether their header dates them into the window.
  const undated = names.filter(
    (n) =>
      /^MailboxUsage.*\.txt$/i.test(n) &&
      !picked.some((p) => p.name === n) &&
      !/\d{4}[_-]?\d{2}[_-]?\d{2}/.test(n),
  );
  const toRead = [...picked.map((p) => p.name), ...undated];
  const reports: FetchedReport[] = [];
  for (const [index, name] of toRead.entries()) {
    const text = await source.read(name);
    const parsed = parseReport(text, name);
    onProgress?.({ index: index + 1, total: toRead.length, name, bytes: Buffer.byteLength(text) });
    if (!parsed.reportDate) {
      skipped.push({ name, reason: 'no date in the file name or the report header' });
      continue;
    }
    if (parsed.reportDate < window.from || parsed.reportDate >= window.to) continue;
    reports.push({ name, date: parsed.reportDate, parsed, bytes: Buffer.byteLength(text) });
  }
  return { reports, skipped };
}

export { SourceError };
