import { pino, type Logger } from 'pino';

export type { Logger };

/**
 * Structured JSON logs on stderr (stdout stays free for a command's own output, e.g. `--json`).
 * Level from `EPC_LOG_LEVEL` (default info); `silent` in tests that do not read logs.
 */
export function createLogger(name: string, level = process.env.EPC_LOG_LEVEL ?? 'info'): Logger {
  return pino({ name, level, base: { component: name } }, pino.destination({ fd: 2, sync: true }));
}
