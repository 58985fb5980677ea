import type { Hono } from 'hono';
import { createAddonKey, signRequest } from '../../gateway/src/auth/addon/hmac';
import { createApp } from '../../gateway/src/server/app';
import type { AppEnv } from '../../gateway/src/server/env';
import { runningSheetJob } from '../../gateway/src/sheets/service';
import type { JobView, RowResult, SheetRowInput, SheetsRequest } from '../../shared/src/sheets/contract';
import { type Harness, startHarness } from '../qbo-client/helpers';

/** A gateway app on a real store connected to a listening emulator, with an add-on key to sign with. */
export interface SheetsGateway {
  h: Harness;
  app: Hono<AppEnv>;
  key: string;
  call(method: string, path: string, body?: unknown, headers?: Record<string, string>): Promise<Response>;
  json<T>(
    method: string,
    path: string,
    body?: unknown,
  ): Promise<{ status: number; body: { success: boolean; message: string; data: T } }>;
  runJob(request: SheetsRequest): Promise<JobView>;
  close(): Promise<void>;
}

export async function startSheetsGateway(
  config: Record<string, string | undefined> = {},
): Promise<SheetsGateway> {
  const h = await startHarness();
  Object.assign(h.ctx.config, {
    QBO_DEFAULT_ITEM_ID: '1',
    QBO_DEFAULT_EXPENSE_ACCOUNT_ID: '7',
    SHEETS_ELIGIBLE_STATUSES: 'ready,submitted',
    ...config,
  });
  const app = createApp(h.ctx);
  const { key } = createAddonKey(h.ctx);
  const call = async (method: string, path: string, body?: unknown, headers?: Record<string, string>) => {
    const text = body === undefined ? '' : JSON.stringify(body);
    const signed = headers ?? signRequest(key, { method, path, body: text });
    return app.request(`http://127.0.0.1${path}`, {
      method,
      headers: { 'content-type': 'application/json', ...signed },
      ...(body === undefined ? {} : { body: text }),
    });
  };
  const json = async <T>(method: string, path: string, body?: unknown) => {
    const res = await call(method, path, body);
    return { status: res.status, body: (await res.json()) as { success: boolean; message: string; data: T } };
  };
  return {
    h,
    app,
    key,
    call,
    json,
    async runJob(request) {
      const started = await json<{ jobId: string }>('POST', '/api/sheets/jobs', request);
      if (started.status !== 202) throw new Error(`job not started: ${JSON.stringify(started.body)}`);
      await runningSheetJob(started.body.data.jobId);
      const view = await json<JobView>('GET', `/api/sheets/jobs/${started.body.data.jobId}`);
      return view.body.data;
    },
    close: () => h.close(),
  };
}

let n = 0;
export function sheetRow(
  values: SheetRowInput['values'],
  rowId = `r${String(++n).padStart(4, '0')}`,
  sheetRow = n + 1,
): SheetRowInput {
  return { rowId, sheetRow, values };
}

export function byRow(results: RowResult[]): Map<string, RowResult> {
  return new Map(results.map((r) => [r.rowId, r]));
}
