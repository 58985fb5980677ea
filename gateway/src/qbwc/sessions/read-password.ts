import { CliError, ExitCode } from '../../cli/exit-codes';
import { promptHidden } from '../../cli/prompt-hidden';
import type { CliRuntime } from '../../cli/runtime';

/** The Web Connector password: from stdin with --password-stdin, else asked on the terminal (twice to set it). */
export async function readPassword(
  runtime: CliRuntime,
  fromStdin: boolean | undefined,
  confirm: boolean,
): Promise<string> {
  if (fromStdin) return (await runtime.readStdin()).replace(/\r?\n$/, '');
  if (!process.stdin.isTTY) {
    throw new CliError(
      ExitCode.usage,
      'No terminal to ask for the password: pipe it in and add --password-stdin',
    );
  }
  const first = await promptHidden('Web Connector password: ');
  if (confirm && (await promptHidden('Again, to confirm: ')) !== first) {
    throw new CliError(ExitCode.usage, 'The two passwords differ; nothing was changed');
  }
  return first;
}
