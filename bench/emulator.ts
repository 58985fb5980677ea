import { createEmulator } from '../gateway/src/sandbox/emulator';

type Row = Record<string, unknown>;

const line = {
  Amount: 100,
  DetailType: 'SalesItemLineDetail',
  SalesItemLineDetail: { ItemRef: { value: '1' } },
};

/**
 * What the offline QBO emulator can carry (so tests and the demo are never limited by it) and proof that its
 * rate limits hold under a flood: admitted calls per scaled minute must stay at the configured ceiling.
 */
export async function run(): Promise<Row[]> {
  const rows: Row[] = [];
  const unlimited = { perMinute: 1e9, perSecond: 1e9, concurrent: 1e9, batchPerMinute: 1e9 };

  {
    const emulator = createEmulator({ limits: unlimited, randomSeed: 1 });
    const token = emulator.issueTokens().access_token;
    const base = `http://emulator.bench/v3/company/${emulator.realmId}`;
    const headers = { authorization: `Bearer ${token}`, 'content-type': 'application/json' };
    const n = 3000;
    let started = performance.now();
    for (let i = 0; i < n; i++) {
      const response = await emulator.fetch(`${base}/invoice?minorversion=75&requestid=r${i}`, {
        method: 'POST',
        headers,
        body: JSON.stringify({ CustomerRef: { value: '1' }, DocNumber: `B-${i}`, Line: [line] }),
      });
      if (response.status !== 200)
        throw new Error(`invoice ${i}: ${response.status} ${await response.text()}`);
    }
    rows.push({
      metric: 'invoice_creates_per_s',
      value: Math.round(n / ((performance.now() - started) / 1000)),
      n,
    });

    started = performance.now();
    const pages = 20;
    for (let i = 0; i < pages; i++) {
      const query = encodeURIComponent('select * from Invoice ORDERBY Id STARTPOSITION 1001 MAXRESULTS 1000');
      const response = await emulator.fetch(`${base}/query?query=${query}`, { headers });
      await response.text();
    }
    rows.push({
      metric: 'query_page_1000_ms',
      value: +((performance.now() - started) / pages).toFixed(2),
      rowsInStore: n,
    });

    started = performance.now();
    const batches = 50;
    for (let b = 0; b < batches; b++) {
      const items = Array.from({ length: 30 }, (_, i) => ({
        bId: `b${i}`,
        operation: 'create',
        Customer: { DisplayName: `Bench ${b}-${i}` },
      }));
      await (
        await emulator.fetch(`${base}/batch`, {
          method: 'POST',
          headers,
          body: JSON.stringify({ BatchItemRequest: items }),
        })
      ).text();
    }
    rows.push({
      metric: 'batch_30_creates_ms',
      value: +((performance.now() - started) / batches).toFixed(2),
      batches,
    });
  }

  {
    // Flood at 60× time: one scaled minute lasts 1 s. Admitted calls per scaled minute must equal the ceiling.
    const timeScale = 60;
    const emulator = createEmulator({ timeScale, randomSeed: 2 });
    const token = emulator.issueTokens().access_token;
    const url = `http://emulator.bench/v3/company/${emulator.realmId}/item/1`;
    const scaledMinutes = 3;
    const minuteMs = 60_000 / timeScale;
    const start = Date.now();
    const perMinute = Array.from({ length: scaledMinutes }, () => 0);
    let throttled = 0;
    for (let elapsed = 0; elapsed < scaledMinutes * minuteMs; elapsed = Date.now() - start) {
      const response = await emulator.fetch(url, { headers: { authorization: `Bearer ${token}` } });
      await response.text();
      const bucket = Math.floor((Date.now() - start) / minuteMs);
      if (response.status !== 200) throttled++;
      else if (bucket < scaledMinutes) perMinute[bucket] = (perMinute[bucket] ?? 0) + 1;
    }
    rows.push({
      metric: 'admitted_per_scaled_minute',
      value: Math.max(...perMinute),
      perMinute,
      ceiling: emulator.limits.perMinute,
      throttled,
      timeScale,
    });
  }

  {
    // Seeded fault rates are reproducible: the same seed gives the same failures.
    const counts: number[] = [];
    for (let round = 0; round < 2; round++) {
      const emulator = createEmulator({ limits: unlimited, randomSeed: 42 });
      emulator.faults.errorRate = 0.1;
      const token = emulator.issueTokens().access_token;
      let failures = 0;
      for (let i = 0; i < 1000; i++) {
        const response = await emulator.fetch(`http://emulator.bench/v3/company/${emulator.realmId}/item/1`, {
          headers: { authorization: `Bearer ${token}` },
        });
        await response.text();
        if (response.status >= 500) failures++;
      }
      counts.push(failures);
    }
    rows.push({ metric: 'error_rate_0.1_failures_per_1000', value: counts[0], repeatRun: counts[1] });
  }
  return rows;
}
