/** The exit codes scripts and cron rely on (design.md). */
export const ExitCode = {
  done: 0,
  failed: 1,
  usage: 2,
  partial: 3,
  notConfigured: 4,
} as const;

export type ExitCodeValue = (typeof ExitCode)[keyof typeof ExitCode];

/** Thrown by a command to stop with a specific exit code and a one-line message. */
export class CliError extends Error {
  constructor(
    readonly exitCode: ExitCodeValue,
    message: string,
  ) {
    super(message);
    this.name = 'CliError';
  }
}
