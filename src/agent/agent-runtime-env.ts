/**
 * The environment the node agent's Node.js process runs with, wherever it really runs: the agent
 * DaemonSet (deploy/base and the chart set these env vars; test/deploy checks they match) and
 * the agent benchmark, which spawns `epc agent` the same way.
 *
 * - `--max-semi-space-size=2` (MiB): V8 grows the young generation to 16 MiB semi-spaces (32 MiB
 *   committed) while loading @kubernetes/client-node and keeps it; the agent's allocation rate
 *   does not need it. About 28 MiB less RSS, PreStart latency unchanged in the bench.
 * - `--max-old-space-size=128` (MiB): under a burst of PreStarts V8 otherwise lets the old
 *   generation grow to ~200 MiB of dead objects before a full GC (bench: 230-300 MiB RSS after
 *   3300 PreStarts, close to or over the DaemonSet's 256Mi limit); the whole heap after a full GC
 *   is ~45 MiB with 110 pods, so 128 leaves more than twice that as headroom (bench: ~120 MiB after the burst).
 * - `MALLOC_TRIM_THRESHOLD_`: glibc's default threshold is dynamic and climbs while the ~900
 *   modules are parsed, so freed parser memory stays in the process; fixing it at glibc's
 *   initial 128 KiB returns it to the OS (about 10-15 MiB less RSS).
 */
export const AGENT_RUNTIME_ENV: Readonly<Record<string, string>> = {
  NODE_OPTIONS: '--max-semi-space-size=2 --max-old-space-size=128',
  MALLOC_TRIM_THRESHOLD_: '131072',
};
