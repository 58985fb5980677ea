/**
 * Small pieces every page uses (the pager, a field's error), kept apart from the layout so flow pages reach
 * them through page-module.ts.
 */
import type { Child } from 'hono/jsx';

export interface PagerProps {
  page: number;
  pages: number;
  total: number;
  href: (page: number) => string;
  /** Names the pager when a page has several lists (landmarks must be told apart). */
  label?: string;
}

export function Pager(props: PagerProps) {
  if (props.pages <= 1) return <p class="muted">{`${props.total} in all`}</p>;
  return (
    <nav class="pager" aria-label={props.label ?? 'Pages'}>
      {props.page > 1 ? <a href={props.href(props.page - 1)}>← Newer</a> : null}
      <span>{`Page ${props.page} of ${props.pages} (${props.total} in all)`}</span>
      {props.page < props.pages ? <a href={props.href(props.page + 1)}>Older →</a> : null}
    </nav>
  );
}

export function FieldError(props: { id: string; message?: string }) {
  return props.message ? (
    <span class="field-error" id={props.id}>
      {props.message}
    </span>
  ) : null;
}

export interface Column {
  label: string;
  /** Right-aligned figures. */
  numeric?: boolean;
}

/** A list section: heading, an optional introduction, the table (or a sentence when it is empty), a pager. */
export function TableSection(props: {
  id: string;
  title: string;
  empty: string;
  count: number;
  columns: ReadonlyArray<string | Column>;
  pager?: PagerProps;
  intro?: Child;
  children: Child;
}) {
  return (
    <section aria-labelledby={props.id}>
      <h2 id={props.id}>{props.title}</h2>
      {props.intro ?? null}
      {props.count === 0 ? (
        <p class="muted">{props.empty}</p>
      ) : (
        <table>
          <thead>
            <tr>
              {props.columns.map((column) => {
                const c = typeof column === 'string' ? { label: column } : column;
                return (
                  <th scope="col" class={c.numeric ? 'num' : undefined}>
                    {c.label}
                  </th>
                );
              })}
            </tr>
          </thead>
          <tbody>{props.children}</tbody>
        </table>
      )}
      {props.pager ? <Pager {...props.pager} /> : null}
    </section>
  );
}

/** One button acting on one row (retry, remove, …): a small POST form carrying the row's fields. */
export function RowAction(props: {
  action: string;
  csrf: Child;
  fields: Record<string, string>;
  text: string;
  label: string;
  kind?: 'secondary' | 'danger';
  confirm?: string;
  /** Lets an input elsewhere in the row belong to this form (`<input form={id}>`). */
  id?: string;
}) {
  return (
    <form id={props.id} class="inline" method="post" action={props.action} data-confirm={props.confirm}>
      {props.csrf}
      {Object.entries(props.fields).map(([name, value]) => (
        <input type="hidden" name={name} value={value} />
      ))}
      <button type="submit" class={props.kind} aria-label={props.label}>
        {props.text}
      </button>
    </form>
  );
}
