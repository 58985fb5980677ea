import readline from 'node:readline/promises';
import { formatCents } from '../../../shared/src/money';
import type { CosChange, DomainChange } from './mappings';
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
): Promise<T | 'exclude' | null> {
  let shown = options.slice(0, 30);
  for (;;) {
    write(title);
    for (const [i, o] of shown.entries()) write(`  ${String(i + 1).padStart(3)}. ${o.name} (Id ${o.id})`);
    if (options.length > shown.length)
      write(`  … ${options.length - shown.length} more: type part of a name to narrow`);
    const answer = (
      await ask(
        `Choose 1-${shown.length}${suggestion ? `, s = ${suggestion}` : ''}, x = exclude, Enter = skip: `,
      )
    ).trim();
    if (answer === '' || answer === '0') return null;
    if (answer.toLowerCase() === 'x') return 'exclude';
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

export function terminalPrompter(
  input: NodeJS.ReadableStream,
  output: NodeJS.WritableStream,
): Prompter & { close(): void } {
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
      if (choice === null) return null;
      if (choice === 'exclude') return { exclude: true };
      return { customerId: choice.id };
    },
    async cos(item: UnmappedCos, items): Promise<CosChange | null> {
      const shown = items.map((i) => ({
        ...i,
        name: `${i.name}${i.unitPriceCents === null ? ' (no price)' : ` $${formatCents(i.unitPriceCents)}`}`,
      }));
      const choice = await pick(
        ask,
        write,
        `\nCoS ${item.name} (${item.accounts} accounts) is not mapped to a QuickBooks item:`,
        shown,
        null,
      );
      if (choice === null) return null;
      if (choice === 'exclude') return { exclude: true };
      let quotaGb = item.quotaGb;
      while (quotaGb === null) {
        const answer = (await ask(`Quota of ${item.name} in GB: `)).trim();
        if (/^\d{1,6}$/.test(answer)) quotaGb = Number(answer);
      }
      return { itemId: choice.id, quotaGb };
    },
    close() {
      rl.close();
    },
  };
}
