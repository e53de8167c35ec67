/**
 * An expected failure of a command's run, after its flags were valid: it could not start (a
 * socket served by another process), could not reach a peer, found its input file bad, or its run failed. The message says
 * why, for an operator; `src/cli/main.ts` prints it without a stack and exits `exitCode` (1). (A bad flag is a
 * ConfigError, exit 2; anything else is a bug and is printed with its stack.)
 */
export class RunFailure extends Error {
  /** 1 unless the run says otherwise (2: bad input only reading it shows, such as a simulation file; 130: interrupted by a signal, as shells report it). */
  readonly exitCode: number;
  constructor(message: string, options: { cause?: unknown; exitCode?: number } = {}) {
    super(message, { cause: options.cause });
    this.name = 'RunFailure';
    this.exitCode = options.exitCode ?? 1;
  }
}
