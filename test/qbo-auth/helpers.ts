import fs from 'node:fs';
import net, { type AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { type AppContext, openContext } from '../../gateway/src/app/context';
import { loadConfig } from '../../gateway/src/config/load';
import { createLogger, type Logger } from '../../gateway/src/log/logger';
import { parseTokenResponse, type TokenGrant } from '../../gateway/src/qbo/oauth/oauth';
import type { TokenVault } from '../../gateway/src/qbo/oauth/token-vault';
import { createEmulator, type Emulator } from '../../gateway/src/sandbox/emulator';

export function tempDataDir(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'qbb-qbo-auth-'));
}

/** A real context (own DB connection) on `dataDir`; two calls on one dir behave like two processes. */
export function openTestContext(dataDir: string, env: Record<string, string> = {}, log?: Logger): AppContext {
  const config = loadConfig({ DATA_DIR: dataDir, LOG_LEVEL: 'silent', ...env }, dataDir);
  return openContext(config, { log: log ?? createLogger({ level: 'silent' }) });
}

/** A logger that keeps every JSON line it writes, to search the output for secrets. */
export function capturingLogger(): { log: Logger; text: () => string } {
  const lines: string[] = [];
  const destination = new Writable({
    write(chunk, _encoding, done) {
      lines.push(String(chunk));
      done();
    },
  });
  return { log: createLogger({ level: 'trace', destination }), text: () => lines.join('') };
}

/** A port that was free a moment ago (loopback), for servers whose URL must be configured up front. */
export async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

export interface RunningTestEmulator {
  emulator: Emulator;
  url: string;
  /** Sandbox mode with every Intuit host overridden: the emulator must pass for Intuit itself. */
  overrideEnv: Record<string, string>;
  close(): Promise<void>;
}

export async function startEmulator(
  options: Parameters<typeof createEmulator>[0] = {},
): Promise<RunningTestEmulator> {
  const emulator = createEmulator(options);
  const running = await emulator.listen(0, '127.0.0.1');
  return {
    emulator,
    url: running.url,
    overrideEnv: {
      QBO_ENVIRONMENT: 'sandbox',
      QBO_CLIENT_ID: emulator.clientId,
      QBO_CLIENT_SECRET: emulator.clientSecret,
      QBO_API_BASE_URL: running.url,
      QBO_AUTHORIZE_URL: `${running.url}/connect/oauth2`,
      QBO_TOKEN_URL: `${running.url}/oauth2/v1/tokens/bearer`,
      QBO_REVOKE_URL: `${running.url}/oauth2/v1/tokens/revoke`,
    },
    close: () => running.close(),
  };
}

/** Fresh tokens for the emulator's company, stored as if a code exchange had just happened. */
export function connectDirectly(vault: TokenVault, emulator: Emulator): TokenGrant {
  const grant = parseTokenResponse(emulator.issueTokens());
  vault.saveFromCodeExchange(emulator.realmId, grant, { actor: 'test' });
  return grant;
}
