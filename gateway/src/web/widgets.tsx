/**
 * Small pieces every page uses (the pager, a field's error), kept apart from the layout so flow pages reach
 * them through page-module.ts.
 */
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
