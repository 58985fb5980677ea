/** The sidebar's few DOM and google.script.run helpers, shared by the panels. */
interface Runner {
  withSuccessHandler(fn: (value: unknown) => void): Runner;
  withFailureHandler(fn: (error: Error) => void): Runner;
  [name: string]: unknown;
}
declare const google: { script: { run: Runner } };

export const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;

export function call<T>(name: string, ...args: unknown[]): Promise<T> {
  return new Promise((resolve, reject) => {
    const runner = google.script.run.withSuccessHandler((v) => resolve(v as T)).withFailureHandler(reject);
    (runner[name] as (...a: unknown[]) => void)(...args);
  });
}

export function text(el: HTMLElement, value: string, cls?: string): void {
  el.textContent = value;
  if (cls !== undefined) el.className = cls;
}

export function el<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  content = '',
  attrs: Record<string, string> = {},
): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  node.textContent = content;
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, v);
  return node;
}

/**
 * A panel's button handler: one action at a time, "Working…" then its sentence (or the error) in the
 * panel's message line, and the panel reloaded afterwards.
 */
export function panelAction(messageId: string, reload: () => void): (work: () => Promise<string>) => void {
  let busy = false;
  return (work) => {
    if (busy) return;
    busy = true;
    text($(messageId), 'Working…', 'muted');
    work()
      .then((m) => text($(messageId), m, 'ok'))
      .catch((e: Error) => text($(messageId), e.message, 'bad'))
      .finally(() => {
        busy = false;
        reload();
      });
  };
}

export const dollars = (cents: number | null): string =>
  cents === null
    ? 'an unknown amount'
    : (cents / 100).toLocaleString('en-US', { style: 'currency', currency: 'USD' });

export interface Job {
  id: string;
  state: string;
  done: number;
  failed: number;
  total: number | null;
  summary: Record<string, unknown> | null;
  error: string | null;
}

/** Polls a gateway job the sidebar started until it ends, showing its progress in `bar` and `line`. */
export function followJob(
  first: Job,
  bar: HTMLProgressElement,
  line: HTMLElement,
  label: string,
): Promise<Job> {
  return new Promise((resolve, reject) => {
    const show = (job: Job) => {
      bar.hidden = false;
      bar.max = Math.max(1, job.total ?? 1);
      bar.value = job.done + job.failed;
      text(line, `${label}: ${job.done + job.failed} of ${job.total ?? '?'} (${job.state})`, 'muted');
    };
    const poll = (job: Job) => {
      show(job);
      if (job.state !== 'running' && job.state !== 'queued') {
        bar.hidden = true;
        resolve(job);
        return;
      }
      setTimeout(() => call<Job>('jobProgress', job.id).then(poll, reject), 1500);
    };
    poll(first);
  });
}
