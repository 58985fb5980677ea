import fs from 'node:fs';
import net, { type AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { type AppContext, openContext } from '../../gateway/src/app/context';
import { addUser } from '../../gateway/src/auth/users';
import { loadConfig } from '../../gateway/src/config/load';
import { createLogger } from '../../gateway/src/log/logger';
import { createEmulator, type Emulator } from '../../gateway/src/sandbox/emulator';
import type { AppOptions } from '../../gateway/src/server/app';
import { type RunningServer, startServer } from '../../gateway/src/server/serve';

export const testUser = { username: 'alex', password: 'correct horse battery staple' };

async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

export interface Dashboard {
  url: string;
  ctx: AppContext;
  gateway: RunningServer;
  emulator: Emulator;
  dataDir: string;
  close(): Promise<void>;
}

/** A gateway on loopback with a dashboard user, pointed at a running QuickBooks Online emulator. */
export async function startDashboard(
  env: Record<string, string> = {},
  options: AppOptions = {},
): Promise<Dashboard> {
  const emulator = createEmulator();
  const running = await emulator.listen(0, '127.0.0.1');
  const port = await freePort();
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'qbb-web-'));
  const config = loadConfig(
    {
      DATA_DIR: dataDir,
      LOG_LEVEL: 'silent',
      QBO_ENVIRONMENT: 'emulator',
      QBO_CLIENT_ID: emulator.clientId,
      QBO_CLIENT_SECRET: emulator.clientSecret,
      QBO_API_BASE_URL: running.url,
      QBO_AUTHORIZE_URL: `${running.url}/connect/oauth2`,
      QBO_TOKEN_URL: `${running.url}/oauth2/v1/tokens/bearer`,
      QBO_REVOKE_URL: `${running.url}/oauth2/v1/tokens/revoke`,
      QBO_REDIRECT_URI: `http://127.0.0.1:${port}/qbo/callback`,
      PUBLIC_URL: `http://127.0.0.1:${port}`,
      ...env,
    },
    dataDir,
  );
  const ctx = openContext(config, { log: createLogger({ level: 'silent' }) });
  await addUser(ctx.db, testUser.username, testUser.password);
  const gateway = await startServer(ctx, port, '127.0.0.1', options);
  return {
    url: gateway.url,
    ctx,
    gateway,
    emulator,
    dataDir,
    async close() {
      await gateway.stop(100);
      await running.close();
    },
  };
}

/** A tiny cookie jar over fetch, enough for one browser-like client of the dashboard. */
export class Client {
  readonly cookies = new Map<string, string>();

  constructor(readonly base: string) {}

  async request(pathname: string, init: RequestInit = {}): Promise<Response> {
    const headers = new Headers(init.headers);
    if (this.cookies.size > 0) {
      headers.set('cookie', [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; '));
    }
    const response = await fetch(new URL(pathname, this.base), { ...init, headers, redirect: 'manual' });
    for (const line of response.headers.getSetCookie()) {
      const [pair] = line.split(';');
      const eq = pair!.indexOf('=');
      const name = pair!.slice(0, eq);
      const value = pair!.slice(eq + 1);
      if (value === '' || /max-age=0/i.test(line)) this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
    return response;
  }

  /** Posts a form the way a browser on the dashboard's own origin does. */
  post(pathname: string, fields: Record<string, string>, origin = this.base): Promise<Response> {
    return this.request(pathname, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', origin: new URL(origin).origin },
      body: new URLSearchParams(fields).toString(),
    });
  }

  async csrfFrom(pathname: string): Promise<string> {
    const page = await (await this.request(pathname)).text();
    const match = /name="_csrf" value="([^"]+)"/.exec(page);
    if (!match) throw new Error(`No CSRF field on ${pathname}`);
    return match[1]!;
  }

  async login(username = testUser.username, password = testUser.password): Promise<Response> {
    const token = await this.csrfFrom('/login');
    return this.post('/login', { _csrf: token, username, password, next: '/' });
  }
}
