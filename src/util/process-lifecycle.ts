/**
 * How every long-running `epc` component meets its supervisor: one JSON `ready` line on stdout
 * once it serves (tests, the demo and scripts wait for it), then it runs until SIGINT or SIGTERM.
 */

/** Writes the ready line: `{"event":"ready", ...fields}` and a newline, on stdout. */
export function printReady(fields: Record<string, unknown>): void {
  process.stdout.write(JSON.stringify({ event: 'ready', ...fields }) + '\n');
}

/** Resolves with the signal's name on the first SIGINT or SIGTERM (both handlers removed then). */
export function untilSignal(): Promise<NodeJS.Signals> {
  return new Promise((resolve) => {
    const on = (sig: NodeJS.Signals) => {
      process.off('SIGINT', on);
      process.off('SIGTERM', on);
      resolve(sig);
    };
    process.on('SIGINT', on);
    process.on('SIGTERM', on);
  });
}
