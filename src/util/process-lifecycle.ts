/**
 * How every `epc` component meets its supervisor: a long-running one prints one JSON `ready` line
 * on stdout once it serves (tests, the demo and scripts wait for it), then runs until SIGINT or
 * SIGTERM; one that stops by itself (a workload, the demo) ends its work early on either signal.
 */

/** Writes the ready line: `{"event":"ready", ...fields}` and a newline, on stdout. */
export function printReady(fields: Record<string, unknown>): void {
  process.stdout.write(JSON.stringify({ event: 'ready', ...fields }) + '\n');
}

/**
 * The first SIGINT or SIGTERM aborts `signal` (after `onSignal`, if given) and removes both
 * handlers, so a second signal has its default effect. `dispose` removes them early; call it when
 * the work is over.
 */
export function abortOnSignal(onSignal?: (sig: NodeJS.Signals) => void): { signal: AbortSignal; dispose(): void } {
  const abort = new AbortController();
  const dispose = () => {
    process.off('SIGINT', on);
    process.off('SIGTERM', on);
  };
  const on = (sig: NodeJS.Signals) => {
    dispose();
    onSignal?.(sig);
    abort.abort();
  };
  process.on('SIGINT', on);
  process.on('SIGTERM', on);
  return { signal: abort.signal, dispose };
}

/** Resolves with the signal's name on the first SIGINT or SIGTERM (both handlers removed then). */
export function untilSignal(): Promise<NodeJS.Signals> {
  return new Promise((resolve) => abortOnSignal(resolve));
}
