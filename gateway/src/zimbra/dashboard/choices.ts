import type { AppContext } from '../../app/context';
import { CliError } from '../../cli/exit-codes';
import {
  openQbo,
  pickerCustomers,
  pickerItems,
  type QboConnection,
  ReconnectRequiredError,
} from '../../qbo/index';
import type { Party } from './suggest';

/**
 * The QuickBooks customers and service items the mapping forms offer, read when the page has something to
 * map. Without a connection the forms still work by Id, and the page says why there is no list.
 */

export interface Item extends Party {
  unitPriceCents: number | null;
}

export interface Choices {
  customers: Party[] | null;
  items: Item[] | null;
  problem: string | null;
}

/** The QuickBooks connection for a mapping change or an undo, or the sentence saying why there is none. */
export function qboConnection(ctx: AppContext): { conn: QboConnection } | { problem: string } {
  try {
    return { conn: openQbo(ctx) };
  } catch (error) {
    if (error instanceof CliError || error instanceof ReconnectRequiredError)
      return { problem: `QuickBooks is not connected: ${error.message}` };
    throw error;
  }
}

export async function loadChoices(
  ctx: AppContext,
  need: { customers: boolean; items: boolean },
): Promise<Choices> {
  if (!need.customers && !need.items) return { customers: null, items: null, problem: null };
  const opened = qboConnection(ctx);
  if ('problem' in opened) return { customers: null, items: null, problem: opened.problem };
  try {
    // The same cached, rate-limited pick lists the add-on's pickers read (qbo/pickers.ts), sorted by name.
    const customers = need.customers ? await pickerCustomers(ctx) : null;
    const items = need.items
      ? (await pickerItems(ctx)).map((i) => ({ ...i, unitPriceCents: i.unitPriceCents ?? null }))
      : null;
    return { customers, items, problem: null };
  } catch (error) {
    // A QuickBooks hiccup only costs the lists: the forms still take an Id.
    return {
      customers: null,
      items: null,
      problem: `Could not read the QuickBooks lists (${error instanceof Error ? error.message : String(error)}); enter Ids instead`,
    };
  }
}
