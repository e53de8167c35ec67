/**
 * A bad configuration value: a flag (or the env variable standing in for it) that cannot be used.
 * The message always names the flag, so an operator sees which one to fix; `flag` carries it for
 * code. Every component's config builder throws it; `src/cli/main.ts` prints the message and
 * exits 2 (bad input). Thrown before any work, or by an entry for what only I/O can tell (a file
 * that does not exist, a directory that cannot be created).
 */
export class ConfigError extends Error {
  /** The flag as typed on the command line, e.g. `--enclave-slots`. */
  readonly flag: string;
  /** `message` is used as is when it names `flag`; otherwise it reads `<flag>: <message>`. */
  constructor(flag: string, message: string) {
    super(message.includes(flag) ? message : `${flag}: ${message}`);
    this.name = 'ConfigError';
    this.flag = flag;
  }
}
