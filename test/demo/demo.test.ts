import { spawn, spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { cliPath } from '../helpers/cli';
import { tempDir } from '../helpers/context';

interface MetricsBody {
  data: Array<{ period: string; metric_name: string; metric_value: string; data_source: string }>;
}

describe('qb-bridge demo (the README command)', () => {
  it('starts on embedded defaults, connects the emulator through OAuth, fills QBR metrics, and stops on SIGTERM', async () => {
    const cwd = tempDir();
    const child = spawn(process.execPath, [cliPath, 'demo', '--port', '0'], {
      cwd,
      env: { PATH: process.env.PATH ?? '', HOME: cwd },
    });
    let stdout = '';
    let stderr = '';
    child.stderr.on('data', (chunk) => {
      stderr += String(chunk);
    });
    const banner = await new Promise<string>((resolve, reject) => {
      child.stdout.on('data', (chunk) => {
        stdout += String(chunk);
        if (stdout.includes('Press Ctrl+C to stop.')) resolve(stdout);
      });
      child.once('exit', (code) => reject(new Error(`demo exited with ${code}: ${stdout}${stderr}`)));
    });
    const url = /running at (http:\/\/127\.0\.0\.1:\d+)/.exec(banner)![1]!;
    const token = /Bearer (qbb_\S+)"/.exec(banner)![1]!;
    expect(banner).toContain('connected through OAuth');
    expect(banner).toContain('one session played: completed');
    expect(banner).toContain(`${cwd}/demo-data`);

    const health = (await (
      await fetch(`${url}/healthz`, { headers: { Authorization: `Bearer ${token}` } })
    ).json()) as {
      qbo: { connections: Array<{ status: string; companyName: string }> };
      integrations: Record<string, boolean>;
    };
    // The demo's Web Connector works (its password is in the demo store), so it counts as set up.
    expect(health.integrations.qbwc).toBe(true);
    expect(health.qbo.connections).toEqual([
      expect.objectContaining({ status: 'connected', companyName: 'Sandbox Company_US_1' }),
    ]);
    // The demo's own defaults give a .qwc a Web Connector on this PC accepts (localhost, not an IP).
    const qwc = await fetch(`${url}/api/qbwc/app.qwc`, { headers: { Authorization: `Bearer ${token}` } });
    expect(qwc.status).toBe(200);
    const port = new URL(url).port;
    expect(await qwc.text()).toContain(`<AppURL>http://localhost:${port}/api/qbwc</AppURL>`);
    expect(banner).toContain('?url=https://your-gateway-host');
    const period = /metric rows for (\d{4}-\d{2})\.\.(\d{4}-\d{2})/.exec(banner)!;
    const metrics = (await (
      await fetch(`${url}/api/qbwc/metrics?from=${period[1]}&to=${period[2]}`, {
        headers: { Authorization: `Bearer ${token}` },
      })
    ).json()) as MetricsBody;
    const names = new Set(metrics.data.map((row) => row.metric_name));
    expect(names).toEqual(
      new Set([
        'nrr',
        'mrr',
        'orr',
        'product_sales',
        'misc_revenue',
        'employee_expense',
        'owner_comp',
        'owner_comp_taxes',
        'product_cogs',
        'other_expenses',
        'total_revenue',
        'total_expenses',
        'net_profit',
        'employees',
      ]),
    );
    for (const row of metrics.data) expect(row.metric_value).toMatch(/^-?\d+(\.\d{2})?$/);

    // The banner's command plays another whole Web Connector session against the running demo.
    const play = /^ {2}(echo '.+' \| node .+ qbwc play-session .+)$/m.exec(banner)![1]!;
    const played = spawnSync('sh', ['-c', play], {
      cwd,
      env: { PATH: process.env.PATH ?? '', HOME: cwd },
      encoding: 'utf8',
    });
    expect(played.status, played.stderr).toBe(0);
    expect(played.stdout).toMatch(/Outcome: completed; 3 request\(s\)/);

    // So does its Sheets command, from a folder outside the project: the sample sheet and its directions file
    // are found, so the Accelebrate row becomes a bill (paid: it carries a paid date), not an invoice.
    const sheet = /^ {2}(echo '.+' \| node .+ sheets play .+)$/m.exec(banner)![1]!;
    const synced = spawnSync('sh', ['-c', sheet], {
      cwd,
      env: { PATH: process.env.PATH ?? '', HOME: cwd },
      encoding: 'utf8',
    });
    // Exit 3 (partial): the sample's two bad rows fail on purpose, with their reasons.
    expect(synced.status, synced.stderr).toBe(3);
    expect(synced.stdout).toContain('Sync done: 5 synced, 2 failed');
    const billRow = synced.stdout.split('\n').find((line) => line.startsWith('ACC-7781'));
    expect(billRow).toMatch(/\/app\/bill\?txnId=\d+\s+paid/);

    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
  }, 60_000);
});
