/**
 * An expected failure of a component's run, after its config was valid: it could not start (a
 * socket served by another process), could not reach a peer, or its run failed. The message says
 * why, for an operator; `src/cli/main.ts` prints it without a stack and exits 1. (A bad flag is a
 * ConfigError, exit 2; anything else is a bug and is printed with its stack.)
 */
export class RunFailure extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'RunFailure';
  }
}
