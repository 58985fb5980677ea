import http from 'node:http';
import readline from 'node:readline';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Command } from 'commander';
import type { AppContext } from '../app/context';
import { CliError, ExitCode } from '../cli/exit-codes';
import { wholeNumberOption } from '../cli/options';
import type { CliRuntime } from '../cli/runtime';
import {
  AuthorizationError,
  type ConnectedCompany,
  completeAuthorization,
  describeCompany,
  resultPage,
} from './oauth/connect-callback';
import { buildAuthorizeUrl, type OAuthSettings, oauthSettings } from './oauth/oauth';
import { createOAuthState, oauthStateUsed } from './oauth/oauth-state';
import { listTokenRows } from './oauth/token-store';

interface AuthorizeOptions {
  listen: boolean;
  json?: boolean;
  timeout: number;
}

/** The first non-empty line of stdin: the redirect URL someone copied from the browser's address bar. */
async function readPastedLine(): Promise<string> {
  const lines = readline.createInterface({ input: process.stdin, terminal: false });
  try {
    for await (const line of lines) if (line.trim()) return line.trim();
  } finally {
    lines.close();
  }
  throw new CliError(ExitCode.usage, 'No redirect URL on stdin; paste the full URL the browser was sent to');
}

function asCliError(error: unknown): unknown {
  if (error instanceof AuthorizationError) {
    return new CliError(
      error.code === 'access_denied' ? ExitCode.notConfigured : ExitCode.failed,
      error.message,
    );
  }
  return error;
}

/**
 * Listens on the redirect URI's own host, port and path for Intuit's redirect (resolving once it is
 * listening, so the URL is printed only when the callback can land), answers the browser with a page,
 * and stops after the first callback that carries our state. Callbacks for other states get a 400 and
 * do not end the wait.
 */
async function listenForCallback(
  ctx: AppContext,
  settings: OAuthSettings,
  state: string,
  timeoutMs: number,
): Promise<{ result: Promise<ConnectedCompany> }> {
  const redirect = new URL(settings.redirectUri);
  if (redirect.protocol !== 'http:') {
    throw new CliError(
      ExitCode.usage,
      `QBO_REDIRECT_URI is ${redirect.protocol}// so this command cannot receive it directly; run with --no-listen and paste the URL the browser lands on`,
    );
  }
  const port = Number(redirect.port || 80);
  const host = redirect.hostname.replace(/^\[|\]$/g, '');
  let ready: () => void = () => {};
  let failedToListen: (error: unknown) => void = () => {};
  const listening = new Promise<void>((resolve, reject) => {
    ready = () => resolve();
    failedToListen = reject;
  });
  const result = new Promise<ConnectedCompany>((resolve, reject) => {
    let settled = false;
    const finish = (outcome: () => void) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      server.close();
      server.closeAllConnections();
      outcome();
    };
    const server = http.createServer((req, res) => {
      const url = new URL(req.url ?? '/', settings.redirectUri);
      if (url.pathname !== redirect.pathname || req.method !== 'GET') {
        res.writeHead(404, { 'content-type': 'text/plain' }).end('Not the QuickBooks callback\n');
        return;
      }
      if (url.searchParams.get('state') !== state) {
        res
          .writeHead(400, { 'content-type': 'text/html; charset=utf-8' })
          .end(resultPage('Not this authorization', 'This callback belongs to another connection attempt.'));
        return;
      }
      completeAuthorization(ctx, url.toString(), { settings }).then(
        (company) => {
          res
            .writeHead(200, { 'content-type': 'text/html; charset=utf-8', connection: 'close' })
            .end(
              resultPage(
                `Connected to ${describeCompany(company)}`,
                'You can close this window and return to the terminal.',
              ),
            );
          finish(() => resolve(company));
        },
        (error: unknown) => {
          res
            .writeHead(400, { 'content-type': 'text/html; charset=utf-8', connection: 'close' })
            .end(resultPage('QuickBooks connection failed', (error as Error).message));
          finish(() => reject(asCliError(error)));
        },
      );
    });
    const timer = setTimeout(
      () =>
        finish(() =>
          reject(
            new CliError(
              ExitCode.failed,
              `No callback arrived within ${Math.round(timeoutMs / 1000)} s; run the command again (or use --no-listen)`,
            ),
          ),
        ),
      timeoutMs,
    );
    server.once('error', (error: NodeJS.ErrnoException) => {
      if (error.code === 'EADDRINUSE') {
        // Most often `qb-bridge serve` owns that port and its /qbo/callback finishes the round trip: the
        // state lives in the shared store, so wait for it to be used there instead.
        clearTimeout(timer);
        settled = true;
        ready();
        waitForGateway(ctx, state, timeoutMs, `${host}:${port}`).then(resolve, reject);
        return;
      }
      // The command fails through `listening`; this promise is never awaited then.
      settled = true;
      clearTimeout(timer);
      failedToListen(error);
    });
    server.listen(port, host, () => ready());
  });
  await listening;
  return { result };
}

async function waitForGateway(
  ctx: AppContext,
  state: string,
  timeoutMs: number,
  address: string,
): Promise<ConnectedCompany> {
  process.stderr.write(
    `${address} is already in use (probably by \`qb-bridge serve\`); waiting for the gateway to receive the callback\n`,
  );
  const startedAt = new Date().toISOString();
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (oauthStateUsed(ctx.db, state)) {
      // Allow the gateway a moment to finish the exchange it started when it burned the state.
      for (let i = 0; i < 100; i += 1) {
        const row = listTokenRows(ctx.db)
          .filter((r) => r.connected_at >= startedAt && r.status === 'connected')
          .at(-1);
        if (row) return { realmId: row.realm_id, companyName: row.company_name };
        await sleep(200);
      }
      throw new CliError(
        ExitCode.failed,
        'The gateway received the callback but did not store a connection; see its log',
      );
    }
    await sleep(500);
  }
  throw new CliError(
    ExitCode.failed,
    `No callback arrived within ${Math.round(timeoutMs / 1000)} s; run the command again`,
  );
}

export function registerQboAuthCommands(program: Command, runtime: CliRuntime): void {
  program
    .command('authorize-qbo')
    .description('Connect a QuickBooks Online company: prints the Intuit URL, then waits for the redirect')
    .option('--no-listen', 'do not listen for the redirect; paste the URL the browser lands on into stdin')
    .option('--timeout <seconds>', 'how long to wait for the redirect', wholeNumberOption('--timeout'), 300)
    .option('--json', 'print the result as JSON')
    .action(async (options: AuthorizeOptions) => {
      const settings = oauthSettings(runtime.config());
      if (!Number.isInteger(options.timeout) || options.timeout <= 0) {
        throw new CliError(ExitCode.usage, '--timeout must be a whole number of seconds, e.g. --timeout 300');
      }
      const ctx = runtime.open();
      const state = createOAuthState(ctx.db, 'cli');
      const url = buildAuthorizeUrl(settings, state);
      const say = options.json ? runtime.err : runtime.out;
      let company: ConnectedCompany;
      if (options.listen) {
        const callback = await listenForCallback(ctx, settings, state, options.timeout * 1000);
        say(`Open this URL in a browser, sign in to Intuit and choose the company to connect:\n\n  ${url}\n`);
        say(`Waiting for Intuit to redirect to ${settings.redirectUri} ...`);
        company = await callback.result;
      } else {
        say(`Open this URL in a browser, sign in to Intuit and choose the company to connect:\n\n  ${url}\n`);
        say('Then paste the full URL the browser was redirected to (it contains code= and realmId=):');
        const pasted = await readPastedLine();
        company = await completeAuthorization(ctx, pasted, { settings }).catch((error: unknown) => {
          throw asCliError(error);
        });
      }
      runtime.print(company, options, () => `Connected ${describeCompany(company)}`);
    });
}
