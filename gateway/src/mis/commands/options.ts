import type { AppContext } from '../../app/context';
import { CliError, ExitCode } from '../../cli/exit-codes';
import type { CliRuntime } from '../../cli/runtime';
import { MisInputError, wholeNumber } from '../input';
import { MisConnectionError, type MisDb, MisSchemaError } from '../mis-db';
import { openMis } from '../service';

/** What every MIS command shares: usage errors as exit 2, whole-number options, and the MIS opened once. */

export function asUsage<T>(read: () => T): T {
  try {
    return read();
  } catch (error) {
    if (error instanceof MisInputError) throw new CliError(ExitCode.usage, error.message);
    throw error;
  }
}

export const option = (name: string, min: number, max: number) => (value: string) =>
  asUsage(() => wholeNumber(name, value, min, max, { allowText: true }));

/** Opens the MIS for one command and always closes it; schema problems are "not configured" (exit 4). */
export async function withMis<T>(
  runtime: CliRuntime,
  work: (ctx: AppContext, db: MisDb) => Promise<T>,
): Promise<T> {
  const ctx = runtime.open();
  let db: MisDb;
  try {
    db = await openMis(ctx);
  } catch (error) {
    if (error instanceof MisSchemaError) throw new CliError(ExitCode.notConfigured, error.message);
    if (error instanceof MisConnectionError) throw new CliError(ExitCode.failed, error.message);
    throw error;
  }
  try {
    return await work(ctx, db);
  } finally {
    await db.close();
  }
}
