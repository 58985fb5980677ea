/**
 * One finding of `qb-bridge doctor`. `fix` is the sentence a person acts on; neither field ever holds a
 * secret (tokens, passwords, keys, the userinfo of a URL).
 */
export type CheckStatus = 'ok' | 'warn' | 'fail' | 'skip';

export interface CheckResult {
  /** Stable id scripts can match on: public-url, certificate, clock, data-dir, disk-space, … */
  check: string;
  status: CheckStatus;
  message: string;
  fix?: string;
}

export const ok = (check: string, message: string): CheckResult => ({ check, status: 'ok', message });
export const skip = (check: string, message: string, fix?: string): CheckResult => ({
  check,
  status: 'skip',
  message,
  ...(fix ? { fix } : {}),
});
export const warn = (check: string, message: string, fix: string): CheckResult => ({
  check,
  status: 'warn',
  message,
  fix,
});
export const fail = (check: string, message: string, fix: string): CheckResult => ({
  check,
  status: 'fail',
  message,
  fix,
});

export const dayMs = 24 * 60 * 60 * 1000;
