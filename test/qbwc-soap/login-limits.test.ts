import { afterEach, describe, expect, it } from 'vitest';
import type { AppContext } from '../../gateway/src/app/context';
import { listQbrAudit } from '../../gateway/src/qbwc/audit/audit';
import { hashPassword, saveCredentials } from '../../gateway/src/qbwc/sessions/credentials';
import { HashGate } from '../../gateway/src/qbwc/sessions/login-limits';
import { QbwcSoapMethods } from '../../gateway/src/qbwc/soap/soap-methods';
import { testContext } from '../helpers/context';
import { countRows, password, recordingWork, username } from './helpers';

let ctx: AppContext | undefined;
afterEach(() => {
  ctx?.close();
  ctx = undefined;
});

const attacker = '203.0.113.66';
const office = '198.51.100.7';

async function setup() {
  ctx = testContext();
  saveCredentials(ctx.db, username, await hashPassword(password, { N: 2 ** 12, r: 8, p: 1 }));
  const clock = { now: new Date('2026-03-10T12:00:00Z') };
  const gate = new HashGate(2, 8);
  const methods = new QbwcSoapMethods(ctx, recordingWork().work, { clock: () => clock.now, hashGate: gate });
  const login = async (name: string, pw: string, ip: string) =>
    (await methods.call(
      'authenticate',
      { strUserName: name, strPassword: pw },
      { remoteIp: ip },
    )) as string[];
  return { ctx, clock, gate, methods, login };
}

describe('Web Connector login limits', () => {
  it('after 10 failed logins from one address, further ones answer nvu without hashing or a row each', async () => {
    const { ctx, clock, gate, login } = await setup();
    for (let i = 0; i < 10; i++) {
      expect((await login(`random-${i}`, 'x', attacker))[1]).toBe('nvu');
      clock.now = new Date(clock.now.getTime() + 10_000);
    }
    expect(gate.hashesStarted).toBe(10);
    const attemptsBefore = countRows(ctx, 'qbwc_login_attempts');
    const auditBefore = countRows(ctx, 'qbr_audit_log');
    for (let i = 0; i < 50; i++) {
      expect(await login(`random-more-${i}`, 'x', attacker)).toEqual(['', 'nvu', '', '']);
    }
    // the right password from that address is refused too while it is limited (the limit comes first)
    expect((await login(username, password, attacker))[1]).toBe('nvu');
    expect(gate.hashesStarted).toBe(10);
    expect(countRows(ctx, 'qbwc_login_attempts')).toBe(attemptsBefore);
    expect(countRows(ctx, 'qbr_audit_log')).toBe(auditBefore + 1); // audited once for the window
    expect(listQbrAudit(ctx.db, { action: 'qbwc_auth', limit: 1 })[0]).toMatchObject({
      outcome: 'denied',
      failureReason: 'ip_rate_limited',
      ipAddress: attacker,
    });

    // another address is not affected, and the window ends
    expect((await login(username, password, office))[0]).toMatch(/^[0-9a-f]{64}$/);
    clock.now = new Date(clock.now.getTime() + 16 * 60_000);
    expect((await login('random-late', 'x', attacker))[1]).toBe('nvu');
    expect(gate.hashesStarted).toBe(12);
  });

  it('prunes old login attempts and authenticate audit rows, keeping other audit rows', async () => {
    const { ctx, clock, login } = await setup();
    const old = new Date(clock.now.getTime() - 120 * 24 * 60 * 60_000).toISOString();
    const recent = new Date(clock.now.getTime() - 60_000).toISOString();
    const attempt = ctx.db.prepare(
      "INSERT INTO qbwc_login_attempts (username, remote_ip, outcome, at) VALUES ('x', ?, 'failure', ?)",
    );
    const audit = ctx.db.prepare(
      "INSERT INTO qbr_audit_log (timestamp, actor, action, outcome) VALUES (?, 'x', ?, 'failure')",
    );
    for (let i = 0; i < 30; i++) {
      attempt.run(`192.0.2.${i}`, old);
      audit.run(old, 'qbwc_auth');
    }
    attempt.run('192.0.2.200', recent);
    audit.run(recent, 'qbwc_auth');
    audit.run(old, 'qbwc_mapping_update');

    expect((await login(username, password, office))[0]).toMatch(/^[0-9a-f]{64}$/);
    const attempts = ctx.db.prepare('SELECT at FROM qbwc_login_attempts ORDER BY id').pluck().all();
    expect(attempts).toEqual([recent, clock.now.toISOString()]);
    const auditRows = ctx.db
      .prepare('SELECT action, timestamp FROM qbr_audit_log ORDER BY id')
      .all() as Array<{ action: string; timestamp: string }>;
    expect(auditRows.filter((r) => r.timestamp === old).map((r) => r.action)).toEqual([
      'qbwc_mapping_update',
    ]);
    expect(auditRows.filter((r) => r.action === 'qbwc_auth')).toHaveLength(2); // the recent one + this login
  });
});

describe('password hash gate', () => {
  it('runs at most N hashes at once, queues a few more and turns the rest away', async () => {
    const gate = new HashGate(2, 1);
    const releases: Array<() => void> = [];
    const blocked = () =>
      new Promise<string>((resolve) => {
        releases.push(() => resolve('hashed'));
      });
    const first = gate.run(blocked);
    const second = gate.run(blocked);
    const third = gate.run(blocked); // waits for a slot
    const fourth = gate.run(blocked); // nobody may wait any more
    expect(await fourth).toBeUndefined();
    expect(releases).toHaveLength(2);
    releases[0]!();
    expect(await first).toBe('hashed');
    await Promise.resolve();
    expect(releases).toHaveLength(3); // the queued one started when a slot freed
    releases[1]!();
    releases[2]!();
    expect(await Promise.all([second, third])).toEqual(['hashed', 'hashed']);
    expect(gate.hashesStarted).toBe(3);
  });

  it('a login that finds every hash slot taken and the queue full answers busy', async () => {
    await setup();
    const full = new HashGate(1, 0);
    const crowded = new QbwcSoapMethods(ctx!, recordingWork().work, { hashGate: full });
    let release = () => {};
    const holding = full.run(() => new Promise<void>((resolve) => (release = resolve)));
    const answer = await crowded.call(
      'authenticate',
      { strUserName: username, strPassword: password },
      { remoteIp: office },
    );
    expect(answer).toEqual(['', 'busy', '60', '']);
    release();
    await holding;
    expect(countRows(ctx!, 'qbwc_login_attempts')).toBe(0); // not a failed guess
  });
});
