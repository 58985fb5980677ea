/**
 * The sidebar page (browser side). It talks only to the add-on's server functions through
 * google.script.run; the gateway is never called from here. Built into one Sidebar.html with no CDN.
 * The flows' panels (MIS, Zimbra, Web Connector) live in their own files and show only when the gateway
 * reports that flow configured.
 */
import { $, call, text } from './dom';
import { showFlowPanels } from './flow-panels';

interface State {
  settings: {
    gatewayUrl: string;
    authMode: string;
    hasAddonKey: boolean;
    sheetName: string;
    eligibleStatuses: string[];
    syncMode: string;
    autoSync: boolean;
    hourly: boolean;
    misEveryHours: number;
    misBatchSize: number;
    zimbraMonthly: boolean;
    zimbraHour: number;
    mailFailures: boolean;
  };
  configured: boolean;
  gateway: { reachable: boolean; message: string | null };
  quickbooks: { companyName: string | null; reconnectNeeded: boolean; message: string | null } | null;
  counts: Record<string, number>;
  errors: Array<{ rowId: string; sheetRow: number; message: string }>;
  job: { id: string; state: string; done: number; failed: number; total: number | null } | null;
  lastSync: { at: string; state: string; counts: Record<string, number> } | null;
  flows?: { mis: boolean; zimbra: boolean; qbwc: boolean };
}

let formFilled = false;
let busy = false;

function render(state: State): void {
  const conn = $('connection');
  conn.textContent = '';
  const line = (value: string, cls: string) => {
    const div = document.createElement('div');
    text(div, value, cls);
    conn.appendChild(div);
  };
  if (!state.configured) line('Not configured: fill in the gateway URL below.', 'bad');
  else if (!state.gateway.reachable) line(`Gateway unreachable: ${state.gateway.message ?? ''}`, 'bad');
  else {
    line(`Gateway reachable (${state.settings.gatewayUrl})`, 'ok');
    const qb = state.quickbooks;
    if (qb?.reconnectNeeded) line(`QuickBooks: reconnect needed — ${qb.message ?? ''}`, 'bad');
    else line(`QuickBooks company: ${qb?.companyName ?? '(unnamed)'}`, 'ok');
  }
  const counts = $('counts');
  counts.textContent = '';
  const entries = Object.entries(state.counts);
  if (entries.length === 0) text(counts, 'No rows yet.', 'counts card muted');
  for (const [status, n] of entries) {
    const span = document.createElement('span');
    span.dataset.status = status;
    span.textContent = `${status}: ${n}`;
    counts.appendChild(span);
  }
  const errors = $('errors');
  errors.textContent = '';
  for (const e of state.errors) {
    const li = document.createElement('li');
    const a = document.createElement('a');
    a.className = 'row';
    a.dataset.rowId = e.rowId;
    a.textContent = `Row ${e.sheetRow}`;
    a.addEventListener('click', () => {
      call('selectRow', e.rowId).catch((err: Error) => text($('message'), err.message, 'bad'));
    });
    li.appendChild(a);
    li.appendChild(document.createTextNode(`: ${e.message}`));
    errors.appendChild(li);
  }
  if (state.errors.length === 0) {
    const li = document.createElement('li');
    text(li, 'None.', 'muted');
    errors.appendChild(li);
  }
  const box = $('progress-box');
  const job = state.job;
  if (job && (job.state === 'running' || job.state === 'queued')) {
    box.hidden = false;
    const progress = $<HTMLProgressElement>('progress');
    progress.max = Math.max(1, job.total ?? 1);
    progress.value = job.done + job.failed;
    text($('progress-text'), `Syncing: ${job.done + job.failed} of ${job.total ?? '?'} rows`);
  } else {
    box.hidden = true;
  }
  text(
    $('last-sync'),
    state.lastSync
      ? `Last sync ${state.lastSync.at} (${state.lastSync.state}): ${Object.entries(state.lastSync.counts)
          .map(([k, v]) => `${v} ${k}`)
          .join(', ')}`
      : 'No sync yet.',
  );
  if (!formFilled) {
    formFilled = true;
    const s = state.settings;
    $<HTMLInputElement>('gatewayUrl').value = s.gatewayUrl;
    $<HTMLSelectElement>('authMode').value = s.authMode;
    $<HTMLInputElement>('addonKey').placeholder = s.hasAddonKey ? '(a key is saved)' : 'qbb_…';
    $<HTMLInputElement>('sheetName').value = s.sheetName;
    $<HTMLInputElement>('eligibleStatuses').value = s.eligibleStatuses.join(',');
    $<HTMLSelectElement>('syncMode').value = s.syncMode;
    $<HTMLInputElement>('autoSync').checked = s.autoSync;
    $<HTMLInputElement>('hourly').checked = s.hourly;
    $<HTMLSelectElement>('misEveryHours').value = String(s.misEveryHours ?? 0);
    $<HTMLInputElement>('misBatchSize').value = String(s.misBatchSize ?? 50);
    $<HTMLInputElement>('zimbraMonthly').checked = Boolean(s.zimbraMonthly);
    $<HTMLInputElement>('zimbraHour').value = String(s.zimbraHour ?? 6);
    $<HTMLInputElement>('mailFailures').checked = Boolean(s.mailFailures);
  }
  showFlowPanels(state.gateway.reachable ? state.flows : undefined);
}

function refresh(): Promise<void> {
  return call<State>('getSidebarState')
    .then(render)
    .catch((err: Error) => text($('connection'), `Could not read the state: ${err.message}`, 'card bad'));
}

function run(name: string): void {
  if (busy) return;
  busy = true;
  text($('message'), 'Working…', 'muted');
  const timer = setInterval(() => void refresh(), 2000);
  call<{ status: string; message: string }>(name)
    .then((summary) =>
      text(
        $('message'),
        summary.message,
        summary.status === 'error' || summary.status === 'busy' ? 'bad' : 'ok',
      ),
    )
    .catch((err: Error) => text($('message'), err.message, 'bad'))
    .finally(() => {
      busy = false;
      clearInterval(timer);
      void refresh();
    });
}

$('sync-ready').addEventListener('click', () => run('syncReadyRows'));
$('sync-selected').addEventListener('click', () => run('syncSelectedRows'));
$('validate').addEventListener('click', () => run('validateSelectedRows'));
$('settings').addEventListener('submit', (event) => {
  event.preventDefault();
  const form = {
    gatewayUrl: $<HTMLInputElement>('gatewayUrl').value,
    authMode: $<HTMLSelectElement>('authMode').value,
    addonKey: $<HTMLInputElement>('addonKey').value,
    sheetName: $<HTMLInputElement>('sheetName').value,
    eligibleStatuses: $<HTMLInputElement>('eligibleStatuses').value,
    syncMode: $<HTMLSelectElement>('syncMode').value,
    autoSync: $<HTMLInputElement>('autoSync').checked,
    hourly: $<HTMLInputElement>('hourly').checked,
    misEveryHours: Number($<HTMLSelectElement>('misEveryHours').value),
    misBatchSize: Number($<HTMLInputElement>('misBatchSize').value),
    zimbraMonthly: $<HTMLInputElement>('zimbraMonthly').checked,
    zimbraHour: Number($<HTMLInputElement>('zimbraHour').value),
    mailFailures: $<HTMLInputElement>('mailFailures').checked,
  };
  call<{ ok: boolean; message: string }>('saveSettings', form)
    .then((r) => {
      text($('settings-message'), r.message, r.ok ? 'ok' : 'bad');
      if (r.ok) {
        $<HTMLInputElement>('addonKey').value = '';
        formFilled = false;
        void refresh();
      }
    })
    .catch((err: Error) => text($('settings-message'), err.message, 'bad'));
});

void refresh();
