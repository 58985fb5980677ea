import crypto from 'node:crypto';

/** Apps Script's Utilities as the add-on uses it: real HMAC-SHA256 (signed bytes), UUIDs, a blocking sleep. */

export function blockingSleep(ms: number): void {
  if (ms > 0) Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

function formatDate(date: Date, timeZone: string, pattern: string): string {
  if (pattern !== 'yyyy-MM-dd')
    throw new Error(`stand-in formatDate supports yyyy-MM-dd only, got ${pattern}`);
  const parts = new Intl.DateTimeFormat('en-CA', {
    timeZone,
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
  }).formatToParts(date);
  const get = (t: string) => parts.find((p) => p.type === t)!.value;
  return `${get('year')}-${get('month')}-${get('day')}`;
}

export function createUtilities(sleepScale: number) {
  return {
    computeHmacSha256Signature(value: string, key: string): number[] {
      return [...crypto.createHmac('sha256', key).update(value, 'utf8').digest()].map((b) =>
        b > 127 ? b - 256 : b,
      );
    },
    getUuid: () => crypto.randomUUID(),
    sleep: (ms: number) => blockingSleep(ms * sleepScale),
    formatDate,
  };
}
