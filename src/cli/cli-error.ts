/**
 * An expected failure of a CLI command: the message is printed as is (no stack) and the process
 * exits with `exitCode`. Only `src/cli/main.ts` turns it into an exit; library code never exits.
 * Exit codes: 1 = the command ran and its check failed, 2 = bad input (flags, files).
 */
export class CliError extends Error {
  readonly exitCode: number;
  constructor(message: string, exitCode = 1) {
    super(message);
    this.name = 'CliError';
    this.exitCode = exitCode;
  }
}
