import { CliError, ExitCode } from './exit-codes';

/**
 * Option parsers for commander. A bad value is a usage error (exit 2) with one line naming the option,
 * never a NaN that surfaces later as a failure (exit 1) from deep inside a command.
 */
export function portOption(name = '--port'): (value: string) => number {
  return (value) => {
    const port = Number(value);
    if (value.trim() === '' || !Number.isInteger(port) || port < 0 || port > 65535) {
      throw new CliError(ExitCode.usage, `${name} must be a port number (0-65535), got "${value}"`);
    }
    return port;
  };
}

export function wholeNumberOption(name: string, min = 1): (value: string) => number {
  return (value) => {
    const number = Number(value);
    if (value.trim() === '' || !Number.isInteger(number) || number < min) {
      throw new CliError(ExitCode.usage, `${name} must be a whole number of at least ${min}, got "${value}"`);
    }
    return number;
  };
}

export function positiveNumberOption(name: string): (value: string) => number {
  return (value) => {
    const number = Number(value);
    if (value.trim() === '' || !Number.isFinite(number) || number <= 0) {
      throw new CliError(ExitCode.usage, `${name} must be a positive number, got "${value}"`);
    }
    return number;
  };
}
