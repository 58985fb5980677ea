import type { AppContext } from '../app/context';
import { CliError, ExitCode } from '../cli/exit-codes';
import { configuredIntegrations } from '../config/require';
import { QboLedger } from './exactly-once/ledger';
import { createQboClient, type QboClient } from './http/client';
import { type ConnectionStatus, createTokenVault } from './oauth/token-vault';

/** What a flow needs to write to one connected company: the paced client and the exactly-once ledger. */
export interface QboConnection {
  realmId: string;
  client: QboClient;
  ledger: QboLedger;
  token: ConnectionStatus | null;
}

/**
 * Opens the connected company (the default one unless `realm` names another). Throws CliError with exit 4
 * (not configured / not authorized) and a sentence saying what to run when QuickBooks is not set up or
 * not connected, so commands and routes can show it as it is.
 */
export function openQbo(ctx: AppContext, realm?: string): QboConnection {
  if (!configuredIntegrations(ctx.config).qbo) {
    throw new CliError(
      ExitCode.notConfigured,
      'QuickBooks is not configured: set QBO_CLIENT_ID and QBO_CLIENT_SECRET (or QBO_ENVIRONMENT=emulator), then run `qb-bridge authorize-qbo`',
    );
  }
  const vault = createTokenVault(ctx);
  if (vault.connections().length === 0) {
    throw new CliError(
      ExitCode.notConfigured,
      'QuickBooks is not connected yet; run `qb-bridge authorize-qbo` to connect a company',
    );
  }
  const realmId = realm ?? vault.defaultRealm();
  return {
    realmId,
    client: createQboClient(ctx, { realmId, tokens: vault }),
    ledger: new QboLedger(ctx.db),
    token: vault.connection(realmId) ?? null,
  };
}
