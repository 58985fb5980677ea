import { domainToASCII } from 'node:url';

/**
 * The parser for the weekly `MailboxUsage_YYYY-MM-DD.txt` reports the Zimbra server's cron appends to
 * (seed-systems.md §1.3). Pure: text in, a snapshot out. Every line is either understood or counted as a
 * bad line with a reason; nothing in a report can make it throw.
 *
 * Shapes it takes:
 * - `| CoS Usage for <domain>:` starts a domain, `- <cos>: <count>` lines belong to it, `---…` and blank
 *   lines separate; a domain with no accounts prints only its header (kept, with no CoS).
 * - cron appends stderr and every run of the day to the same file: each `| Zimbra Mailbox Usage Report for`
 *   header starts another run, and a (domain, CoS) seen in several runs keeps its highest count — the file
 *   is one snapshot and high-water marks take maxima anyway.
 * - CRLF line ends, a byte-order mark, tabs; IDN domains in Unicode (stored as punycode), punycode labels
 *   and numeric TLDs (`xn--p1ai`, `example.123`) — the seed's regex refused those; upper case is folded.
 * - the seed's legacy layout: a bare `example.com` line followed by indented `cos: count` lines.
 */

export interface BadLine {
  line: number;
  text: string;
  reason: string;
}

export interface ParsedReport {
  /** ISO date of the snapshot: from the file name, else from the report header; null when neither has one. */
  reportDate: string | null;
  dateSource: 'filename' | 'header' | null;
  /** Number of report runs found in the file (each `Report for` header starts one). */
  runs: number;
  /** domain → CoS name → account count. Domains listed without any CoS map to an empty map. */
  usage: Map<string, Map<string, number>>;
  badLines: BadLine[];
  /** Count of lines understood (headers, CoS lines, separators). */
  goodLines: number;
}

const fileDatePatterns = [/(\d{4})[_-](\d{2})[_-](\d{2})/, /(\d{4})(\d{2})(\d{2})/];

/** A real calendar date `YYYY-MM-DD` or null. */
export function isoDate(year: string, month: string, day: string): string | null {
  const y = Number(year);
  const m = Number(month);
  const d = Number(day);
  if (y < 2000 || y > 2100 || m < 1 || m > 12 || d < 1) return null;
  const last = new Date(Date.UTC(y, m, 0)).getUTCDate();
  if (d > last) return null;
  return `${year}-${month}-${day}`;
}

/** The snapshot date a file name carries (`MailboxUsage_2025-03-07.txt`, `…_20250307.txt`), if any. */
export function dateFromFileName(fileName: string): string | null {
  const base = fileName.split(/[\\/]/).pop() ?? fileName;
  for (const pattern of fileDatePatterns) {
    const match = pattern.exec(base);
    if (match) {
      const date = isoDate(match[1]!, match[2]!, match[3]!);
      if (date) return date;
    }
  }
  return null;
}

const maxDomainLength = 253;
const labelPattern = /^(?!-)[a-z0-9-]{1,63}(?<!-)$/;

/**
 * The domain in stored form (lower case, ASCII/punycode) or null when it is not a domain name. Unlike the
 * seed, the TLD may be punycode or numeric: Zimbra hosts whatever its admins typed, and the bill must follow.
 */
export function normalizeDomain(raw: string): string | null {
  const text = raw.trim().replace(/\.$/, '');
  if (text === '' || /\s/.test(text) || text.length > maxDomainLength * 4) return null;
  const ascii = /^[\x21-\x7e]+$/.test(text) ? text.toLowerCase() : domainToASCII(text);
  if (!ascii || ascii.length > maxDomainLength) return null;
  const labels = ascii.split('.');
  if (labels.length < 2) return null;
  return labels.every((label) => labelPattern.test(label)) ? ascii : null;
}

const runHeader = /^\|\s*Zimbra Mailbox Usage Report for\s+(\d{4})-(\d{2})-(\d{2})\b/i;
const domainHeader = /^\|\s*CoS Usage for\s+(.+?)\s*:\s*$/i;
const cosLine = /^-\s*(.+?)\s*:\s*(\S+)\s*$/;
const legacyCosLine = /^\s+([^\s:][^:]*?)\s*:\s*(\S+)\s*$/;
const cosNamePattern = /^[\x21-\x7e]{1,128}$/;

function parseCount(text: string): number | null {
  if (!/^\d{1,9}$/.test(text)) return null;
  return Number(text);
}

export function parseReport(text: string, fileName = ''): ParsedReport {
  const usage = new Map<string, Map<string, number>>();
  const badLines: BadLine[] = [];
  let goodLines = 0;
  let runs = 0;
  let headerDate: string | null = null;
  // The domain CoS lines belong to; `invalid` while lines follow a header that named no valid domain.
  let current: { domain: string; legacy: boolean } | 'invalid' | null = null;

  const lines = text.replace(/^\uFEFF/, '').split(/\r?\n|\r/);
  const bad = (index: number, line: string, reason: string): void => {
    badLines.push({ line: index + 1, text: line.slice(0, 200), reason });
  };
  const add = (domain: string, cos: string, count: number) => {
    const perCos = usage.get(domain) ?? new Map<string, number>();
    usage.set(domain, perCos);
    perCos.set(cos, Math.max(perCos.get(cos) ?? 0, count));
  };

  for (const [index, raw] of lines.entries()) {
    const line = raw.replace(/\s+$/, '');
    const trimmed = line.trim();
    if (trimmed === '') continue;
    if (trimmed.startsWith('---')) {
      goodLines++;
      // A separator closes a legacy block (the new format's separators sit inside a domain's block).
      if (current !== null && current !== 'invalid' && current.legacy) current = null;
      continue;
    }
    const run = runHeader.exec(trimmed);
    if (run) {
      goodLines++;
      runs++;
      current = null;
      headerDate ??= isoDate(run[1]!, run[2]!, run[3]!);
      continue;
    }
    const header = domainHeader.exec(trimmed);
    if (header) {
      const domain = normalizeDomain(header[1]!);
      if (domain === null) {
        bad(index, line, `"${header[1]}" is not a domain name; its CoS lines are skipped`);
        current = 'invalid';
        continue;
      }
      goodLines++;
      if (!usage.has(domain)) usage.set(domain, new Map());
      current = { domain, legacy: false };
      continue;
    }
    const cos = cosLine.exec(trimmed) ?? (/^\s/.test(line) ? legacyCosLine.exec(line) : null);
    if (cos) {
      if (current === 'invalid') {
        bad(index, line, 'CoS line under an invalid domain header');
        continue;
      }
      if (current === null) {
        bad(index, line, 'CoS line outside any domain');
        continue;
      }
      const name = cos[1]!.toLowerCase();
      const count = parseCount(cos[2]!);
      if (!cosNamePattern.test(name)) {
        bad(index, line, `"${cos[1]}" is not a CoS name`);
        continue;
      }
      if (count === null) {
        bad(index, line, `"${cos[2]}" is not a whole number of accounts`);
        continue;
      }
      goodLines++;
      add(current.domain, name, count);
      continue;
    }
    // Legacy layout: a bare domain on its own line, CoS lines indented below it.
    if (!/^\s/.test(line) && !/[:|]/.test(trimmed)) {
      const domain = normalizeDomain(trimmed);
      if (domain !== null) {
        goodLines++;
        if (!usage.has(domain)) usage.set(domain, new Map());
        current = { domain, legacy: true };
        continue;
      }
    }
    bad(index, line, 'not part of the report format (stderr output or a damaged line)');
  }

  const fileDate = dateFromFileName(fileName);
  return {
    reportDate: fileDate ?? headerDate,
    dateSource: fileDate ? 'filename' : headerDate ? 'header' : null,
    runs,
    usage,
    badLines,
    goodLines,
  };
}

/** Quota in GB from a CoS name (`customer-50gb`, `Pro 2 GB`), or null when the name carries none. */
export function quotaFromCosName(name: string): number | null {
  const match = /(\d+)\s*gb/i.exec(name);
  return match ? Number(match[1]) : null;
}
