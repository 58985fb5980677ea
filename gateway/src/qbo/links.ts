import type { QboEndpoints } from './http/endpoints';

/**
 * Deep links into the QuickBooks web app (qbo-api.md §11.2). They carry the entity Id, never the
 * DocNumber, and no realm: QuickBooks opens them in the company the user last selected.
 */
export type LinkableEntity = 'Invoice' | 'Bill' | 'Customer' | 'Vendor';

const paths: Record<LinkableEntity, (id: string) => string> = {
  Invoice: (id) => `/app/invoice?txnId=${encodeURIComponent(id)}`,
  Bill: (id) => `/app/bill?txnId=${encodeURIComponent(id)}`,
  Customer: (id) => `/app/customerdetail?nameId=${encodeURIComponent(id)}`,
  Vendor: (id) => `/app/vendordetail?nameId=${encodeURIComponent(id)}`,
};

export function isLinkable(entity: string): entity is LinkableEntity {
  return entity in paths;
}

/** `https://app.qbo.intuit.com/app/invoice?txnId=266` (sandbox and emulator hosts come from the endpoints). */
export function qboWebLink(
  endpoints: Pick<QboEndpoints, 'appUrl'>,
  entity: LinkableEntity,
  id: string,
): string {
  if (!/^\d+$/.test(id)) throw new Error(`"${id}" is not a QuickBooks Id`);
  return `${endpoints.appUrl.replace(/\/+$/, '')}${paths[entity](id)}`;
}
