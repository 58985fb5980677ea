import { type ChildProcess, spawn } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import type { Connection, ConnectionOptions } from 'mysql2/promise';
import type { AppContext } from '../app/context';
import { demoMisSchema } from './demo-data';
import { openMisDb } from './mis-db';
import { runAllJob, startAllJob } from './run-all';

/**
 * The MIS part of `qb-bridge demo`. With `mariadbd` installed it starts a throwaway MariaDB (its own data
 * directory in the OS temp dir, loopback port, removed at stop) holding sample MIS data; with
 * MIS_DATABASE_URL set it creates a throwaway database on that server instead (never touching the one the
 * URL names). Otherwise it says in one line how to get one. The demo then runs `all` against it.
 */

export interface MisDemo {
  /** MIS_DATABASE_URL for the demo gateway (known before the server is up), or null without a MariaDB. */
  url: string | null;
  /** One line for the banner: where the demo MIS lives, or how to get one. */
  note: string;
  /** Brings the MIS up with its sample data (seconds: a fresh MariaDB initialises its data directory). */
  start(): Promise<void>;
  stop(): Promise<void>;
}

/** Debian and most distributions keep mariadbd in an sbin directory that is not on a user's PATH. */
const systemDirs = ['/usr/sbin', '/usr/local/sbin', '/usr/bin'];

function findBinary(name: string, dirs: readonly string[]): string | undefined {
  for (const dir of dirs) {
    if (!dir) continue;
    const candidate = path.join(dir, name);
    if (fs.existsSync(candidate)) return candidate;
  }
  return undefined;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = net.createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as net.AddressInfo;
      probe.close(() => resolve(port));
    });
  });
}

/** The driver, loaded only when the demo has a MIS to talk to. */
const driver = async () => (await import('mysql2/promise')).default;

async function connectWhenUp(options: ConnectionOptions, child?: ChildProcess): Promise<Connection> {
  const mysql = await driver();
  const deadline = Date.now() + 60_000;
  for (;;) {
    try {
      return await mysql.createConnection({ ...options, multipleStatements: true, connectTimeout: 2_000 });
    } catch (error) {
      if (child && child.exitCode !== null) throw new Error(`mariadbd exited with code ${child.exitCode}`);
      if (Date.now() > deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  }
}

async function loadSample(connection: Connection, database: string): Promise<void> {
  await connection.query(`CREATE DATABASE \`${database}\` CHARACTER SET utf8mb4`);
  await connection.query(`USE \`${database}\``);
  await connection.query(demoMisSchema);
}

/** Runs a command to its end; the child is handed to `track` so a stop can kill it midway. */
function runTracked(command: string, args: string[], track: (child: ChildProcess) => void): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: ['ignore', 'ignore', 'pipe'] });
    track(child);
    let stderr = '';
    child.stderr?.on('data', (d) => (stderr += String(d)));
    child.once('error', reject);
    child.once('exit', (code) =>
      code === 0
        ? resolve()
        : reject(new Error(`${path.basename(command)} failed (${code}): ${stderr.trim().slice(-300)}`)),
    );
  });
}

/** A throwaway MariaDB server with the sample MIS (mariadbd installed), as root over loopback. */
async function planServer(mariadbd: string, installDb: string): Promise<MisDemo> {
  const user = os.userInfo().username;
  const port = await freePort();
  let dir: string | undefined;
  let child: ChildProcess | undefined;
  let stopped = false;
  let starting: Promise<void> | undefined;
  const track = (c: ChildProcess) => {
    child = c;
    if (stopped) c.kill('SIGKILL');
  };
  const start = async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'qbb-demo-mariadb-'));
    const data = path.join(dir, 'data');
    await runTracked(
      installDb,
      [
        '--no-defaults',
        `--datadir=${data}`,
        `--user=${user}`,
        '--auth-root-authentication-method=normal',
        '--skip-test-db',
      ],
      track,
    );
    if (stopped) throw new Error('the demo stopped');
    track(
      spawn(
        mariadbd,
        [
          '--no-defaults',
          `--datadir=${data}`,
          `--socket=${path.join(dir, 'mysqld.sock')}`,
          `--pid-file=${path.join(dir, 'mysqld.pid')}`,
          `--port=${port}`,
          '--bind-address=127.0.0.1',
          `--user=${user}`,
          '--skip-log-bin',
          '--innodb-buffer-pool-size=32M',
        ],
        { stdio: 'ignore' },
      ),
    );
    const connection = await connectWhenUp({ host: '127.0.0.1', port, user: 'root' }, child);
    await loadSample(connection, 'mis');
    await connection.end();
  };
  return {
    url: `mysql://root@127.0.0.1:${port}/mis`,
    note: `throwaway MariaDB on 127.0.0.1:${port} with sample data (removed when the demo stops)`,
    start() {
      starting ??= start();
      return starting;
    },
    async stop() {
      // Never waits for a MariaDB still initialising: whatever runs is stopped now.
      stopped = true;
      const running = child;
      if (running && running.exitCode === null && running.signalCode === null) {
        const exited = new Promise((resolve) => running.once('exit', resolve));
        running.kill('SIGTERM');
        await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 5_000))]);
        if (running.exitCode === null && running.signalCode === null) {
          running.kill('SIGKILL');
          await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 5_000))]);
        }
      }
      await starting?.catch(() => undefined);
      // A killed server's last files can still be closing: retry the removal rather than fail with ENOTEMPTY.
      if (dir) fs.rmSync(dir, { recursive: true, force: true, maxRetries: 10, retryDelay: 200 });
    },
  };
}

/** A throwaway database on the server MIS_DATABASE_URL names (it needs CREATE and DROP there). */
function planOnServer(url: string): MisDemo {
  const target = new URL(url);
  const database = `qbb_demo_${crypto.randomBytes(3).toString('hex')}`;
  const options = {
    host: target.hostname,
    port: Number(target.port || 3306),
    user: decodeURIComponent(target.username || 'root'),
    password: decodeURIComponent(target.password),
  };
  const demoUrl = new URL(url);
  demoUrl.pathname = `/${database}`;
  let starting: Promise<void> | undefined;
  return {
    url: demoUrl.toString(),
    note: `throwaway database ${database} on ${target.host} (dropped when the demo stops)`,
    start() {
      starting ??= (async () => {
        const connection = await connectWhenUp(options);
        await loadSample(connection, database);
        await connection.end();
      })();
      return starting;
    },
    async stop() {
      if (
        !starting ||
        !(await starting.then(
          () => true,
          () => false,
        ))
      )
        return;
      const c = await (await driver()).createConnection(options);
      await c.query(`DROP DATABASE IF EXISTS \`${database}\``);
      await c.end();
    },
  };
}

/** Decides where the demo MIS lives; nothing is started until `start()`. */
export async function planMisDemo(
  env: Record<string, string | undefined>,
  searchDirs: readonly string[] = [...(env.PATH ?? '').split(path.delimiter), ...systemDirs],
): Promise<MisDemo> {
  const none = async () => undefined;
  if (env.MIS_DATABASE_URL) return planOnServer(env.MIS_DATABASE_URL);
  const mariadbd = findBinary('mariadbd', searchDirs);
  const installDb = findBinary('mariadb-install-db', searchDirs);
  if (mariadbd && installDb) return planServer(mariadbd, installDb);
  return {
    url: null,
    note: 'not shown: install MariaDB (`apt-get install mariadb-server`) or set MIS_DATABASE_URL to a server where the demo may create a throwaway database',
    start: none,
    stop: none,
  };
}

/** Starts the demo MIS and runs `all` on it; one line for the banner (a failure is a line, not a crash). */
export async function runMisDemo(ctx: AppContext, demo: MisDemo): Promise<string> {
  if (!demo.url) return demo.note;
  try {
    await demo.start();
    const db = await openMisDb(demo.url);
    try {
      // As a job, like the dashboard's Run all, so the MIS page and the Overview card show the run.
      const options = { batchSize: 50, by: 'demo' };
      const job = await startAllJob(ctx, db, { ...options, startedBy: 'demo' });
      const result = await runAllJob(ctx, db, job, options);
      return `${demo.note}: ${result.total_successful} invoices synchronized, ${result.customers_created} customers created, ${result.total_failed} failed with a reason (GET /api/v1/sync/status)`;
    } finally {
      await db.close();
    }
  } catch (error) {
    return `not shown: the demo MIS did not start (${error instanceof Error ? error.message : error})`;
  }
}
