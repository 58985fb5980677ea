import readline from 'node:readline/promises';
import { formatCents } from '../../../shared/src/money';
import type { CosChange, DomainChange } from './mappings';
import type { ObsoleteCos } from './obsolete-cos';
import type { UnmappedCos, UnmappedDomain } from './reconcile';
import type { Prompter } from './service';

/**
 * The terminal prompts of `reconcile-domains`, `reconcile-cos` and `run-monthly-billing` (TTY only): a
 * numbered menu per item, Enter (or 0) skips it, `x` excludes it. A typed name narrows the menu.
 */

type Ask = (question: string) => Promise<string>;

async function pick<T extends { id: string; name: string }>(
  ask: Ask,
  write: (text: string) => void,
  title: string,
  options: readonly T[],
  suggestion: string | null,
  /** Offer `u` = unmap (a mapped CoS under review). */
  unmap = false,
): Promise<T | 'exclude' | 'unmap' | null> {
  let shown = options.slice(0, 30);
  for (;;) {
    write(title);
    for (const [i, o] of shown.entries()) write(`  ${String(i + 1).padStart(3)}. ${o.name} (Id ${o.id})`);
    if (options.length > shown.length)
      write(`  … ${options.length - shown.length} more: type part of a name to narrow`);
    const answer = (
      await ask(
        `Choose 1-${shown.length}${suggestion ? `, s = ${suggestion}` : ''}, x = exclude${unmap ? ', u = unmap' : ''}, Enter = ${unmap ? 'keep' : 'skip'}: `,
      )
    ).trim();
    if (answer === '' || answer === '0') return null;
    if (answer.toLowerCase() === 'x') return 'exclude';
    if (unmap && answer.toLowerCase() === 'u') return 'unmap';
    if (answer.toLowerCase() === 's' && suggestion) {
      const found = options.find((o) => suggestion.includes(`Id ${o.id}`));
      if (found) return found;
    }
    const n = Number(answer);
    if (Number.isInteger(n) && n >= 1 && n <= shown.length) return shown[n - 1]!;
    const needle = answer.toLowerCase();
    shown = options.filter((o) => o.name.toLowerCase().includes(needle)).slice(0, 30);
    if (shown.length === 0) {
      write(`Nothing matches "${answer}".`);
      shown = options.slice(0, 30);
    }
  }
}

type PricedItem = { id: string; name: string; unitPriceCents: number | null };

async function askCos(
  ask: Ask,
  write: (text: string) => void,
  item: UnmappedCos,
  items: readonly PricedItem[],
  title: string,
  unmap = false,
): Promise<CosChange | null> {
  const shown = items.map((i) => ({
    ...i,
    name: `${i.name}${i.unitPriceCents === null ? ' (no price)' : ` $${formatCents(i.unitPriceCents)}`}`,
  }));
  const choice = await pick(ask, write, title, shown, null, unmap);
  if (choice === null) return null;
  if (choice === 'exclude') return { exclude: true };
  if (choice === 'unmap') return { unmap: true };
  let quotaGb = item.quotaGb;
  while (quotaGb === null) {
    const answer = (await ask(`Quota of ${item.name} in GB: `)).trim();
    if (/^\d{1,6}$/.test(answer)) quotaGb = Number(answer);
  }
  return { itemId: choice.id, quotaGb };
}

export interface TerminalPrompter extends Prompter {
  /** A mapped CoS whose item is inactive/gone or which no report lists any more: remap, exclude, unmap or keep. */
  obsoleteCos(item: ObsoleteCos, items: readonly PricedItem[]): Promise<CosChange | null>;
  close(): void;
}

export function terminalPrompter(
  input: NodeJS.ReadableStream,
  output: NodeJS.WritableStream,
): TerminalPrompter {
  const rl = readline.createInterface({ input, output });
  const ask: Ask = (q) => rl.question(q);
  const write = (text: string) => output.write(`${text}\n`);
  return {
    async domain(item: UnmappedDomain, customers): Promise<DomainChange | null> {
      const suggestion = item.suggestion
        ? `${item.suggestion.customerName} (Id ${item.suggestion.customerId}, like ${item.suggestion.via})`
        : null;
      const choice = await pick(
        ask,
        write,
        `\nDomain ${item.domain} (${item.accounts} accounts) is not assigned to a customer:`,
        customers,
        suggestion,
      );
      if (choice === null || choice === 'unmap') return null;
      if (choice === 'exclude') return { exclude: true };
      return { customerId: choice.id };
    },
    cos: (item: UnmappedCos, items) =>
      askCos(
        ask,
        write,
        item,
        items,
        `\nCoS ${item.name} (${item.accounts} accounts) is not mapped to a QuickBooks item:`,
      ),
    obsoleteCos: (item: ObsoleteCos, items) =>
      askCos(
        ask,
        write,
        { name: item.name, accounts: 0, quotaGb: item.quotaGb },
        items,
        `\nCoS ${item.name} is mapped to ${item.itemName ?? 'item'} (Id ${item.itemId}), but:\n${item.problems.map((p) => `  - ${p}`).join('\n')}\nPick another item, exclude or unmap it:`,
        true,
      ),
    close() {
      rl.close();
    },
  };
}
