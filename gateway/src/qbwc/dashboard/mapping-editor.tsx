import { FieldError, type PageContext, type PageKit } from '../../web/page-module';
import type { StoredMapping } from '../metrics/mapping-store';
import { type MappedMetricKey, mappedMetricKeys, matchTypes } from '../metrics/mappings';

/** The Web Connector mappings editor: one editable row per mapping, and the form that adds one. */
export type MappingErrors = Partial<
  Record<'qbr_metric_key' | 'qb_account_pattern' | 'match_type' | 'priority' | 'notes', string>
>;

export interface MappingDraft {
  qbr_metric_key: string;
  qb_account_pattern: string;
  match_type: string;
  priority: string;
  is_active: boolean;
  notes: string;
}

export function draftOf(m: StoredMapping): MappingDraft {
  return {
    qbr_metric_key: m.metricKey,
    qb_account_pattern: m.pattern,
    match_type: m.matchType,
    priority: String(m.priority),
    is_active: m.isActive,
    notes: m.notes ?? '',
  };
}

function MetricSelect(props: { id: string; form?: string; value: string; error?: string }) {
  return (
    <select
      id={props.id}
      name="qbr_metric_key"
      form={props.form}
      aria-invalid={props.error ? 'true' : undefined}
      aria-describedby={props.error ? `${props.id}-error` : undefined}
    >
      {mappedMetricKeys.map((k) => (
        <option value={k} selected={props.value === k}>
          {k}
        </option>
      ))}
    </select>
  );
}

function TypeSelect(props: { id: string; form?: string; value: string }) {
  return (
    <select id={props.id} name="match_type" form={props.form}>
      {matchTypes.map((t) => (
        <option value={t} selected={props.value === t}>
          {t}
        </option>
      ))}
    </select>
  );
}

/** One mapping's editable row; its inputs belong to the row's own form in the last cell. */
function MappingRow(props: {
  c: PageContext;
  kit: PageKit;
  mapping: StoredMapping;
  editing?: { id: number; draft: MappingDraft; errors: MappingErrors };
}) {
  const { mapping: m, editing: mine } = props;
  const d = mine?.draft ?? draftOf(m);
  const e = mine?.errors ?? {};
  const f = `mapping-${m.id}`;
  return (
    <tr data-mapping={String(m.id)}>
      <td class="num">{String(m.id)}</td>
      <td>
        <input
          form={f}
          name="priority"
          id={`${f}-priority`}
          inputmode="numeric"
          size={6}
          value={d.priority}
          aria-label={`Priority of mapping ${m.id}`}
          aria-invalid={e.priority ? 'true' : undefined}
          aria-describedby={e.priority ? `${f}-priority-error` : undefined}
        />
        <FieldError id={`${f}-priority-error`} message={e.priority} />
      </td>
      <td>
        <label class="skip" for={`${f}-type`}>{`Match type of mapping ${m.id}`}</label>
        <TypeSelect id={`${f}-type`} form={f} value={d.match_type} />
        <FieldError id={`${f}-type-error`} message={e.match_type} />
      </td>
      <td>
        <input
          form={f}
          name="qb_account_pattern"
          id={`${f}-pattern`}
          value={d.qb_account_pattern}
          aria-label={`Pattern of mapping ${m.id}`}
          aria-invalid={e.qb_account_pattern ? 'true' : undefined}
          aria-describedby={e.qb_account_pattern ? `${f}-pattern-error` : undefined}
        />
        <FieldError id={`${f}-pattern-error`} message={e.qb_account_pattern} />
      </td>
      <td>
        <label class="skip" for={`${f}-metric`}>{`Metric of mapping ${m.id}`}</label>
        <MetricSelect id={`${f}-metric`} form={f} value={d.qbr_metric_key} error={e.qbr_metric_key} />
        <FieldError id={`${f}-metric-error`} message={e.qbr_metric_key} />
      </td>
      <td>
        <input
          form={f}
          type="checkbox"
          name="is_active"
          checked={d.is_active}
          aria-label={`Mapping ${m.id} active`}
        />
      </td>
      <td>
        <form id={f} class="inline" method="post" action={`/web-connector/mappings/${m.id}`}>
          {props.kit.csrfField(props.c)}
          <input type="hidden" name="notes" value={d.notes} />
          <button type="submit" class="secondary" aria-label={`Save mapping ${m.id}`}>
            Save
          </button>
        </form>{' '}
        <form
          class="inline"
          method="post"
          action={`/web-connector/mappings/${m.id}/delete`}
          data-confirm={`Delete mapping ${m.id} (${m.pattern})?`}
        >
          {props.kit.csrfField(props.c)}
          <button type="submit" class="danger" aria-label={`Delete mapping ${m.id}`}>
            Delete
          </button>
        </form>
      </td>
    </tr>
  );
}

/** One row per mapping, editable in place: its inputs belong to the form in the row's last cell. */
export function MappingsTable(props: {
  c: PageContext;
  kit: PageKit;
  mappings: StoredMapping[];
  editing?: { id: number; draft: MappingDraft; errors: MappingErrors };
}) {
  return (
    <table>
      <thead>
        <tr>
          <th scope="col" class="num">
            Id
          </th>
          <th scope="col">Priority</th>
          <th scope="col">Type</th>
          <th scope="col">Pattern</th>
          <th scope="col">Metric</th>
          <th scope="col">Active</th>
          <th scope="col">
            <span class="muted">Actions</span>
          </th>
        </tr>
      </thead>
      <tbody>
        {props.mappings.map((m) => (
          <MappingRow
            c={props.c}
            kit={props.kit}
            mapping={m}
            editing={props.editing?.id === m.id ? props.editing : undefined}
          />
        ))}
      </tbody>
    </table>
  );
}

export function AddMappingForm(props: {
  c: PageContext;
  kit: PageKit;
  draft: MappingDraft;
  errors: MappingErrors;
}) {
  const { draft: d, errors: e } = props;
  const described = (name: keyof MappingErrors) =>
    e[name] ? { 'aria-invalid': 'true' as const, 'aria-describedby': `new-${name}-error` } : {};
  return (
    <form class="row" method="post" action="/web-connector/mappings" id="add-mapping" novalidate>
      {props.kit.csrfField(props.c)}
      <div>
        <label for="new-priority">Priority</label>
        <input
          id="new-priority"
          name="priority"
          inputmode="numeric"
          size={6}
          value={d.priority}
          {...described('priority')}
        />
        <FieldError id="new-priority-error" message={e.priority} />
      </div>
      <div>
        <label for="new-type">Match type</label>
        <TypeSelect id="new-type" value={d.match_type} />
        <FieldError id="new-match_type-error" message={e.match_type} />
      </div>
      <div>
        <label for="new-pattern">Account pattern</label>
        <input
          id="new-pattern"
          name="qb_account_pattern"
          value={d.qb_account_pattern}
          {...described('qb_account_pattern')}
        />
        <FieldError id="new-qb_account_pattern-error" message={e.qb_account_pattern} />
      </div>
      <div>
        <label for="new-metric">Metric</label>
        <MetricSelect id="new-metric" value={d.qbr_metric_key} error={e.qbr_metric_key} />
        <FieldError id="new-qbr_metric_key-error" message={e.qbr_metric_key} />
      </div>
      <div>
        <label for="new-notes">Notes</label>
        <input id="new-notes" name="notes" value={d.notes} {...described('notes')} />
        <FieldError id="new-notes-error" message={e.notes} />
      </div>
      <input type="hidden" name="is_active" value="on" />
      <button type="submit">Add mapping</button>
    </form>
  );
}

export function isMetricKey(value: string): value is MappedMetricKey {
  return (mappedMetricKeys as readonly string[]).includes(value);
}
