/**
 * Redaction that does not depend on knowing every path in advance: any key that looks secret is masked at
 * any depth, and bearer/basic credentials or token query parameters inside strings are masked too.
 */
export const redacted = '[REDACTED]';

const secretKey =
  /(authorization|cookie|password|passwd|secret|token|api[-_]?key|private[-_]?key|credential|signature|hash$)/i;
const inlineSecrets: readonly RegExp[] = [
  /\b(Bearer|Basic)\s+[A-Za-z0-9._~+/=-]+/g,
  /\b((?:access|refresh|id)_token|code|client_secret|password|token)=([^&\s"']+)/gi,
  // userinfo in a URL: scheme://user:password@host
  /\b([a-z][a-z0-9+.-]*:\/\/)([^\s/@:"']+):([^\s/@"']+)@/gi,
];

export function isSecretKey(key: string): boolean {
  return secretKey.test(key);
}

export function scrubString(value: string): string {
  let out = value;
  out = out.replace(inlineSecrets[0]!, (_m, scheme: string) => `${scheme} ${redacted}`);
  out = out.replace(inlineSecrets[1]!, (_m, name: string) => `${name}=${redacted}`);
  out = out.replace(inlineSecrets[2]!, (_m, scheme: string, user: string) => `${scheme}${user}:${redacted}@`);
  return out;
}

export function redact(value: unknown, depth = 0): unknown {
  if (depth > 8) return '[deep]';
  if (typeof value === 'string') return scrubString(value);
  if (Array.isArray(value)) return value.map((v) => redact(v, depth + 1));
  if (value instanceof Error) {
    return {
      type: value.name,
      message: scrubString(value.message),
      stack: value.stack && scrubString(value.stack),
    };
  }
  if (value && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) {
      out[k] = isSecretKey(k) && v !== null && v !== undefined && v !== '' ? redacted : redact(v, depth + 1);
    }
    return out;
  }
  return value;
}
