/**
 * The emulator's OAuth state: single-use authorization codes, grants (one per connection) with refresh
 * rotation and a grace period for the previous value, and access tokens with (scaled) expiry.
 */
import type { EmulatorClock } from '../clock';
import { randomToken } from '../random';

export interface TokenSettings {
  accessTokenTtlSeconds: number;
  refreshGraceSeconds: number;
  /** Rolling refresh-token lifetime (Intuit: 100 days, ≈101 reported). */
  refreshTtlSeconds: number;
  /** The five-year hard cap. */
  hardTtlSeconds: number;
  codeTtlSeconds: number;
}

export const defaultTokenSettings: TokenSettings = {
  accessTokenTtlSeconds: 3600,
  refreshGraceSeconds: 86_400,
  refreshTtlSeconds: 8_726_400,
  hardTtlSeconds: 5 * 365 * 86_400,
  codeTtlSeconds: 600,
};

export interface TokenPair {
  token_type: 'bearer';
  access_token: string;
  refresh_token: string;
  expires_in: number;
  x_refresh_token_expires_in: number;
  x_refresh_token_hard_expires_in: number;
}

interface Grant {
  realmId: string;
  refreshToken: string;
  refreshExpiresAt: number;
  hardExpiresAt: number;
  previousRefreshToken?: string;
  previousValidUntil?: number;
  accessToken: string;
  revoked: boolean;
}

interface AccessToken {
  grant: Grant;
  expiresAt: number;
}

interface Code {
  realmId: string;
  redirectUri: string;
  expiresAt: number;
  used: boolean;
  grant?: Grant;
}

export type TokenFailure = 'invalid_grant';

export class TokenAuthority {
  private readonly codes = new Map<string, Code>();
  private readonly grantsByRefresh = new Map<string, Grant>();
  private readonly accessTokens = new Map<string, AccessToken>();
  refreshes = 0;
  codeExchanges = 0;

  constructor(
    private readonly clock: EmulatorClock,
    private readonly settings: TokenSettings,
  ) {}

  issueCode(realmId: string, redirectUri: string): string {
    const code = randomToken('AB11', 20);
    this.codes.set(code, {
      realmId,
      redirectUri,
      expiresAt: this.clock.now() + this.clock.scaledMs(this.settings.codeTtlSeconds),
      used: false,
    });
    return code;
  }

  /** Exchanges a code once. A second use fails and, as Intuit warns, kills the tokens the first use got. */
  exchangeCode(code: string, redirectUri: string | undefined): TokenPair | TokenFailure {
    const entry = this.codes.get(code);
    if (!entry) return 'invalid_grant';
    if (entry.used) {
      if (entry.grant) this.revokeGrant(entry.grant);
      return 'invalid_grant';
    }
    entry.used = true;
    if (entry.expiresAt <= this.clock.now()) return 'invalid_grant';
    if (redirectUri !== undefined && redirectUri !== entry.redirectUri) return 'invalid_grant';
    this.codeExchanges += 1;
    entry.grant = this.newGrant(entry.realmId);
    return this.pair(entry.grant);
  }

  newGrant(realmId: string): Grant {
    const now = this.clock.now();
    const grant: Grant = {
      realmId,
      refreshToken: '',
      accessToken: '',
      refreshExpiresAt: now + this.clock.scaledMs(this.settings.refreshTtlSeconds),
      hardExpiresAt: now + this.clock.scaledMs(this.settings.hardTtlSeconds),
      revoked: false,
    };
    this.rotateRefresh(grant);
    this.newAccessToken(grant);
    return grant;
  }

  issue(realmId: string): TokenPair {
    return this.pair(this.newGrant(realmId));
  }

  private rotateRefresh(grant: Grant): void {
    const now = this.clock.now();
    if (grant.refreshToken) {
      grant.previousRefreshToken = grant.refreshToken;
      grant.previousValidUntil = now + this.clock.scaledMs(this.settings.refreshGraceSeconds);
    }
    grant.refreshToken = randomToken('RT1-', 24);
    this.grantsByRefresh.set(grant.refreshToken, grant);
    grant.refreshExpiresAt = Math.min(
      now + this.clock.scaledMs(this.settings.refreshTtlSeconds),
      grant.hardExpiresAt,
    );
  }

  private newAccessToken(grant: Grant): void {
    if (grant.accessToken) this.accessTokens.delete(grant.accessToken);
    grant.accessToken = randomToken('eyJ', 32);
    this.accessTokens.set(grant.accessToken, {
      grant,
      expiresAt: this.clock.now() + this.clock.scaledMs(this.settings.accessTokenTtlSeconds),
    });
  }

  /** Lifetimes are reported in real seconds left, so a client planning with them behaves under a time scale. */
  private pair(grant: Grant): TokenPair {
    const now = this.clock.now();
    const left = (at: number) => Math.max(1, Math.round((at - now) / 1000));
    const access = this.accessTokens.get(grant.accessToken);
    return {
      token_type: 'bearer',
      access_token: grant.accessToken,
      refresh_token: grant.refreshToken,
      expires_in: left(access?.expiresAt ?? now),
      x_refresh_token_expires_in: left(grant.refreshExpiresAt),
      x_refresh_token_hard_expires_in: left(grant.hardExpiresAt),
    };
  }

  /**
   * Refresh grant: the current value rotates; the previous value, inside its grace period, answers the
   * current pair (with a fresh access token) without rotating again.
   */
  refresh(refreshToken: string): TokenPair | TokenFailure {
    const grant = this.grantsByRefresh.get(refreshToken);
    const now = this.clock.now();
    if (!grant || grant.revoked || now >= grant.refreshExpiresAt || now >= grant.hardExpiresAt) {
      return 'invalid_grant';
    }
    this.refreshes += 1;
    if (refreshToken === grant.refreshToken) {
      this.rotateRefresh(grant);
      this.newAccessToken(grant);
      return this.pair(grant);
    }
    if (refreshToken === grant.previousRefreshToken && now < (grant.previousValidUntil ?? 0)) {
      this.newAccessToken(grant);
      return this.pair(grant);
    }
    this.refreshes -= 1;
    return 'invalid_grant';
  }

  /** Revoke with either token kind ends the whole connection (Intuit's behaviour). */
  revoke(token: string): boolean {
    const grant = this.grantsByRefresh.get(token) ?? this.accessTokens.get(token)?.grant;
    if (!grant) return false;
    this.revokeGrant(grant);
    return true;
  }

  private revokeGrant(grant: Grant): void {
    grant.revoked = true;
    this.accessTokens.delete(grant.accessToken);
  }

  /** The realm an access token is good for, or why not. */
  authenticate(accessToken: string): { realmId: string } | { failure: 'expired' | 'unknown' } {
    const entry = this.accessTokens.get(accessToken);
    if (!entry || entry.grant.revoked) return { failure: 'unknown' };
    if (entry.expiresAt <= this.clock.now()) return { failure: 'expired' };
    return { realmId: entry.grant.realmId };
  }

  expireAccessTokens(): void {
    const past = this.clock.now() - 1;
    for (const entry of this.accessTokens.values()) entry.expiresAt = past;
  }
}
