import { createRemoteJWKSet, errors, type JWTVerifyGetKey, jwtVerify } from 'jose';

/**
 * Google ID tokens from `ScriptApp.getIdentityToken()` (`QB_BRIDGE_AUTH_MODE=google`), verified offline
 * with jose against Google's JWKS (cached and re-fetched on an unknown key id, so rotation works):
 * signature, issuer, audience (ADDON_AUDIENCE, comma-separated: dev and prod projects differ), expiry with
 * a small skew, a verified email, and the email or its domain in ADDON_ALLOWED_EMAILS.
 */
export interface IdTokenPolicy {
  audiences: string[];
  /** Exact addresses, or `@example.com` / `example.com` entries for a whole domain. */
  allowed: string[];
}

export type IdTokenVerdict = { ok: true; email: string; subject: string } | { ok: false; reason: string };

const issuers = ['accounts.google.com', 'https://accounts.google.com'];

const jwksCache = new Map<string, JWTVerifyGetKey>();

export function remoteJwks(url: string): JWTVerifyGetKey {
  let jwks = jwksCache.get(url);
  if (!jwks) {
    jwks = createRemoteJWKSet(new URL(url), { cooldownDuration: 30_000, cacheMaxAge: 6 * 3600_000 });
    jwksCache.set(url, jwks);
  }
  return jwks;
}

export function listOf(value: string | undefined): string[] {
  return (value ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
}

export function emailAllowed(email: string, hd: string | undefined, allowed: readonly string[]): boolean {
  const lower = email.toLowerCase();
  const domain = lower.split('@')[1] ?? '';
  return allowed.some((entry) => {
    const e = entry.toLowerCase();
    if (e.includes('@') && !e.startsWith('@')) return e === lower;
    const d = e.replace(/^@/, '');
    return d === domain || (hd !== undefined && d === hd.toLowerCase());
  });
}

export async function verifyIdToken(
  token: string,
  jwks: JWTVerifyGetKey,
  policy: IdTokenPolicy,
): Promise<IdTokenVerdict> {
  if (policy.audiences.length === 0) {
    return { ok: false, reason: 'ADDON_AUDIENCE is not set, so no ID token can be accepted' };
  }
  try {
    const { payload } = await jwtVerify(token, jwks, {
      issuer: issuers,
      audience: policy.audiences,
      clockTolerance: 60,
      algorithms: ['RS256'],
    });
    const email = typeof payload.email === 'string' ? payload.email : '';
    if (email === '' || payload.email_verified !== true) {
      return { ok: false, reason: 'the token carries no verified email (grant the userinfo.email scope)' };
    }
    const hd = typeof payload.hd === 'string' ? payload.hd : undefined;
    if (!emailAllowed(email, hd, policy.allowed)) {
      return { ok: false, reason: `${email} is not in ADDON_ALLOWED_EMAILS` };
    }
    return { ok: true, email, subject: String(payload.sub ?? '') };
  } catch (error) {
    if (error instanceof errors.JWTExpired) return { ok: false, reason: 'the ID token has expired' };
    if (error instanceof errors.JWTClaimValidationFailed) {
      return { ok: false, reason: `claim ${error.claim} is not accepted (${error.reason})` };
    }
    if (error instanceof errors.JWSSignatureVerificationFailed || error instanceof errors.JWKSNoMatchingKey) {
      return { ok: false, reason: 'the token is not signed by Google' };
    }
    return { ok: false, reason: `not a valid ID token (${(error as Error).name})` };
  }
}
