/**
 * The seam between the token vault (OAuth, refresh, storage) and the API client. The client never sees
 * refresh tokens; it asks for an access token and reports when QuickBooks rejected one.
 */
export interface TokenSource {
  /** A valid access token for the realm, refreshed first when it expires within the safety margin. */
  accessToken(realmId: string): Promise<string>;
  /**
   * Called after a 401 with the token that was rejected. Refreshes unless another caller already
   * replaced it (then returns the newer token). Throws ReconnectRequiredError when the grant is gone.
   */
  refreshAfterRejection(realmId: string, rejected: string): Promise<string>;
}

/** The realm's refresh token is invalid, revoked or past its hard expiry: a person must reconnect. */
export class ReconnectRequiredError extends Error {
  constructor(
    readonly realmId: string,
    reason: string,
  ) {
    super(`QuickBooks company ${realmId} must be reconnected (${reason}); run \`qb-bridge authorize-qbo\``);
    this.name = 'ReconnectRequiredError';
  }
}
