import path from 'node:path';
import type { Config } from '../config/load';
import { configuredIntegrations } from '../config/require';
import { qboEndpoints } from '../qbo/index';
import { storeFileName } from '../store/database';
import type { CheckResult, CheckStatus } from './check';
import {
  checkCertificate,
  checkClock,
  checkDataDir,
  checkDiskSpace,
  checkPublicUrl,
  defaultSpaceLimits,
  type SpaceLimits,
} from './checks-host';
import { checkMis, checkZimbra } from './checks-remote';
import {
  checkAddon,
  checkQuickBooks,
  checkSecretKey,
  checkStore,
  checkWebConnector,
  openStoreReadOnly,
} from './checks-store';

/**
 * `qb-bridge doctor`: every check that catches what breaks real deployments, each with the sentence that
 * fixes it. The checks read (the store read-only, a TLS handshake, one HEAD request, SELECT 1, an SSH
 * handshake) and change nothing.
 */
export interface DoctorOptions {
  /** The local clock (tests move it to play a skewed server). */
  now?: () => number;
  /** Extra CAs a caller would trust (tests: a self-signed test CA). */
  ca?: string[];
  timeoutMs?: number;
  space?: SpaceLimits;
}

export interface DoctorReport {
  results: CheckResult[];
  counts: Record<CheckStatus, number>;
  exitCode: 0 | 1 | 3;
}

/** 1 when anything failed, 3 when only warnings remain, else 0 (skipped integrations are not problems). */
export function doctorExitCode(results: readonly CheckResult[]): 0 | 1 | 3 {
  if (results.some((r) => r.status === 'fail')) return 1;
  if (results.some((r) => r.status === 'warn')) return 3;
  return 0;
}

export async function runDoctor(config: Config, options: DoctorOptions = {}): Promise<DoctorReport> {
  const now = options.now ?? Date.now;
  const timeoutMs = options.timeoutMs ?? 5000;
  const storeFile = path.join(config.dataDir, storeFileName);
  const clockReference = configuredIntegrations(config).qbo ? qboEndpoints(config).apiBaseUrl : undefined;

  // The network checks wait on other machines; run them together while the local ones read files.
  const remote = Promise.all([
    checkCertificate(config, { ca: options.ca, timeoutMs, nowMs: now() }),
    checkClock(clockReference, { timeoutMs, now }),
    checkMis(config, timeoutMs),
    checkZimbra(config, timeoutMs),
  ]);
  const db = openStoreReadOnly(storeFile);
  let local: CheckResult[];
  try {
    local = [
      checkDataDir(config.dataDir, storeFile),
      checkDiskSpace(config.dataDir, options.space ?? defaultSpaceLimits),
      checkStore(db, storeFile),
      checkSecretKey(config, db),
      checkQuickBooks(config, db, now()),
      checkWebConnector(config, db),
      checkAddon(config, db),
    ];
  } finally {
    db?.close();
  }
  const [certificate, clock, mis, zimbra] = await remote;
  const [dataDir, diskSpace, store, secretKey, quickbooks, qbwc, addon] = local;
  const results = [
    checkPublicUrl(config),
    certificate,
    clock,
    dataDir,
    diskSpace,
    store,
    secretKey,
    quickbooks,
    mis,
    zimbra,
    qbwc,
    addon,
  ].filter((r): r is CheckResult => r !== undefined);
  const counts: Record<CheckStatus, number> = { ok: 0, warn: 0, fail: 0, skip: 0 };
  for (const r of results) counts[r.status] += 1;
  return { results, counts, exitCode: doctorExitCode(results) };
}

const marks: Record<CheckStatus, string> = { ok: 'ok  ', warn: 'WARN', fail: 'FAIL', skip: 'skip' };

export function renderReport(report: DoctorReport): string {
  const width = Math.max(...report.results.map((r) => r.check.length));
  const lines = report.results.flatMap((r) => [
    `${marks[r.status]}  ${r.check.padEnd(width)}  ${r.message}`,
    ...(r.fix && r.status !== 'ok' ? [`${' '.repeat(width + 8)}fix: ${r.fix}`] : []),
  ]);
  const { ok, warn, fail, skip } = report.counts;
  lines.push('', `${ok} ok, ${warn} warning${warn === 1 ? '' : 's'}, ${fail} failed, ${skip} not configured`);
  return lines.join('\n');
}
