/**
 * Wrong Web Connector passwords are answered two ways (issue 15 #5: a hard per-name lock let anyone lock the
 * real user out indefinitely from anywhere):
 * - per (user name, address): `maxFailures` wrong passwords within `windowMs` lock that name *from that
 *   address* for `lockMs` after the last of them, right password or not;
 * - per user name, from every address together: past `slowDownAfter` failures within `windowMs` each
 *   further login of that name waits `slowDownStepMs` more (up to `maxSlowDownMs`) before it is checked, so
 *   a guesser spread over many addresses gets slow, while the real user still gets in.
 * A successful login starts both counts again (for its address, and for the name).
 */
export interface LockoutPolicy {
  maxFailures: number;
  windowMs: number;
  lockMs: number;
  slowDownAfter: number;
  slowDownStepMs: number;
  maxSlowDownMs: number;
}

export const defaultLockoutPolicy: LockoutPolicy = {
  maxFailures: 5,
  windowMs: 15 * 60_000,
  lockMs: 15 * 60_000,
  slowDownAfter: 5,
  slowDownStepMs: 1000,
  maxSlowDownMs: 10_000,
};
