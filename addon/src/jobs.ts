/**
 * Gateway jobs as the add-on follows them (`GET /api/jobs/:id`, its own jobs only): every long action —
 * a MIS run, a Zimbra month, an undo — is a job on the gateway, so neither the sidebar nor a trigger run
 * ever holds an HTTP call open past Apps Script's limits. The sidebar polls `jobProgress`; a trigger run
 * waits at most until its deadline and leaves the rest to the next run.
 */
import { callGateway } from './gateway';
import type { Settings } from './settings';

export interface GatewayJob {
  id: string;
  flow: string;
  scope: string;
  state: 'queued' | 'running' | 'done' | 'failed' | 'cancelled';
  total: number | null;
  done: number;
  failed: number;
  startedAt: string | null;
  finishedAt: string | null;
  summary: Record<string, unknown> | null;
  error: string | null;
}

export const isFinished = (job: GatewayJob): boolean => job.state !== 'queued' && job.state !== 'running';

export function readJob(settings: Settings, id: string): GatewayJob {
  return callGateway<GatewayJob>(settings, 'get', `/api/jobs/${encodeURIComponent(id)}`);
}

/** Polls until the job ends or `deadline` (epoch ms) would pass; returns the last view either way. */
export function waitForJob(settings: Settings, id: string, deadline: number): GatewayJob {
  let wait = 250;
  for (;;) {
    const job = readJob(settings, id);
    if (isFinished(job) || Date.now() + wait > deadline) return job;
    Utilities.sleep(wait);
    wait = Math.min(wait * 2, 5000);
  }
}

/** Where a person follows a job (the log tab's link): the gateway's job resource. */
export function jobLink(settings: Settings, id: string): string {
  return `${settings.gatewayUrl}/api/jobs/${encodeURIComponent(id)}`;
}
