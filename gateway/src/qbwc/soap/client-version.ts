/**
 * clientVersion (qbwc.md §3): "" accepts, "W:<text>" warns, "O:<version>" tells the Web Connector to stop
 * and upgrade. Versions compare numerically part by part ("2.1.0.30" > "2.1.0.9").
 */
export function compareVersions(a: string, b: string): number {
  const pa = a.split('.').map(Number);
  const pb = b.split('.').map(Number);
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const d = (pa[i] ?? 0) - (pb[i] ?? 0);
    if (d !== 0) return d;
  }
  return 0;
}

/**
 * "O:" names the version the Web Connector must reach to continue, so it is the required minimum: naming
 * the (higher) warning threshold there would make a user upgrade further than needed, or to a version that
 * the minimum was set to avoid naming.
 */
export function clientVersionAnswer(reported: string, requireAtLeast: string, warnBelow: string): string {
  const clean = reported.trim();
  if (!/^\d+(\.\d+){0,3}$/.test(clean)) return '';
  if (compareVersions(clean, requireAtLeast) < 0) return `O:${requireAtLeast}`;
  if (compareVersions(clean, warnBelow) < 0) {
    return `W:This Web Connector (${clean}) is older than ${warnBelow}; please update it from Intuit's site.`;
  }
  return '';
}
