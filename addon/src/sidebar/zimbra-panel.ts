/**
 * The Zimbra panel: a month (default the previous one), report only into tabs, create drafts after a
 * confirmation naming the count and total, map unmapped domains and CoS with pickers, undo the month.
 */
import { $, call, dollars, el, followJob, type Job, panelAction, text } from './dom';

interface Pick {
  id: string;
  name: string;
}

interface ZimbraPanel {
  month: { year: number; month: number };
  unmapped: {
    domains: Array<{ domain: string; accounts: number; suggestion: { customerId: string } | null }>;
    cos: Array<{ name: string; accounts: number; quotaGb: number | null }>;
  };
  customers: Pick[];
  items: Pick[];
}

interface Drafts {
  count: number;
  totalCents: number | null;
}

const monthInput = () => $<HTMLInputElement>('zimbra-month');

function selected(): { year: number; month: number } {
  const [y, m] = monthInput().value.split('-').map(Number);
  return { year: y ?? 0, month: m ?? 0 };
}

function picker(options: Pick[], chosen: string | undefined, label: string): HTMLSelectElement {
  const select = el('select', '', { 'aria-label': label });
  select.appendChild(el('option', 'choose…', { value: '' }));
  for (const o of options) {
    const option = el('option', o.name, { value: o.id });
    if (o.id === chosen) option.selected = true;
    select.appendChild(option);
  }
  return select;
}

function mapRow(label: string, select: HTMLSelectElement, map: () => Promise<unknown>): HTMLLIElement {
  const li = el('li', label);
  const button = el('button', 'Map', { type: 'button' });
  button.addEventListener('click', () => {
    if (select.value === '') return;
    act(async () => {
      await map();
      return `${label.split(' ')[0]} mapped`;
    });
  });
  li.append(select, button);
  return li;
}

function render(p: ZimbraPanel): void {
  if (monthInput().value === '')
    monthInput().value = `${p.month.year}-${String(p.month.month).padStart(2, '0')}`;
  const list = $('zimbra-unmapped');
  list.textContent = '';
  for (const d of p.unmapped.domains) {
    const select = picker(p.customers, d.suggestion?.customerId, `Customer for ${d.domain}`);
    list.appendChild(
      mapRow(`${d.domain} (${d.accounts} accounts)`, select, () =>
        call('zimbraMapDomainTo', d.domain, select.value),
      ),
    );
  }
  for (const c of p.unmapped.cos) {
    const select = picker(p.items, undefined, `Item for ${c.name}`);
    list.appendChild(
      mapRow(`${c.name} (CoS, ${c.accounts} accounts)`, select, () =>
        call('zimbraMapCosTo', c.name, select.value, c.quotaGb ?? undefined),
      ),
    );
  }
  if (list.children.length === 0) list.appendChild(el('li', 'Everything is mapped.', { class: 'muted' }));
}

export function loadZimbraPanel(): void {
  const m = monthInput().value === '' ? [] : [selected().year, selected().month];
  call<ZimbraPanel>('getZimbraPanel', ...m)
    .then(render)
    .catch((e: Error) => text($('zimbra-message'), e.message, 'bad'));
}

const act = panelAction('zimbra-message', () => loadZimbraPanel());

const follow = (job: Job, label: string) =>
  followJob(job, $<HTMLProgressElement>('zimbra-progress'), $('zimbra-progress-text'), label);

let pending: (Drafts & { year: number; month: number }) | null = null;

$('zimbra-month').addEventListener('change', loadZimbraPanel);
$('zimbra-report').addEventListener('click', () =>
  act(async () => {
    const { year, month } = selected();
    const job = await follow(await call<Job>('zimbraReportOnly', year, month), 'Report');
    if (job.state !== 'done') return `Report ${job.state}: ${job.error ?? ''}`;
    const r = await call<{ tabs: string[]; drafts: Drafts }>('zimbraShowReport', year, month);
    return `Written to ${r.tabs.join(', ')}: ${r.drafts.count} invoices, ${dollars(r.drafts.totalCents)}`;
  }),
);
$('zimbra-drafts').addEventListener('click', () =>
  act(async () => {
    const { year, month } = selected();
    const r = await call<{ drafts: Drafts }>('zimbraShowReport', year, month);
    pending = { ...r.drafts, year, month };
    text(
      $('zimbra-confirm-text'),
      `Create ${r.drafts.count} draft invoices totalling ${dollars(r.drafts.totalCents)} for ${year}-${String(month).padStart(2, '0')}?`,
    );
    $('zimbra-confirm').hidden = false;
    return 'Waiting for your confirmation';
  }),
);
$('zimbra-confirm-no').addEventListener('click', () => {
  pending = null;
  $('zimbra-confirm').hidden = true;
});
$('zimbra-confirm-yes').addEventListener('click', () => {
  const p = pending;
  pending = null;
  $('zimbra-confirm').hidden = true;
  if (!p) return;
  act(async () => {
    const started = await call<Job>('zimbraDrafts', p.year, p.month, p.count, p.totalCents);
    const job = await follow(started, 'Drafts');
    const inv = (job.summary as { invoices?: { success_count?: number; total_amount_cents?: number } })
      ?.invoices;
    return job.state === 'done'
      ? `${inv?.success_count ?? 0} drafts, ${dollars(inv?.total_amount_cents ?? 0)}`
      : `Drafts ${job.state}: ${job.error ?? ''}`;
  });
});
$('zimbra-undo').addEventListener('click', () =>
  act(async () => {
    const { year, month } = selected();
    const job = await follow(await call<Job>('zimbraUndoMonth', year, month), 'Undo');
    const s = (job.summary ?? {}) as { deleted?: number; kept?: number };
    return `${s.deleted ?? 0} drafts deleted, ${s.kept ?? 0} kept (sent, paid or edited)`;
  }),
);
