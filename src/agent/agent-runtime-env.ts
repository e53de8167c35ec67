/**
 * The node agent's V8 settings, applied by the process itself: `epc agent` needs no NODE_OPTIONS
 * or malloc env, and the DaemonSet sets none (the bounds hold for the binary as started, whatever
 * its environment).
 *
 * - `--semi-space-growth-factor=1`: V8 otherwise doubles the young generation up to 16 MiB
 *   semi-spaces (32 MiB committed, kept) under the agent's PreStart bursts; the agent's
 *   allocation rate does not need it. Unlike `--max-semi-space-size` (a heap-configuration flag
 *   read once at isolate creation) it is read at every scavenge, so `v8.setFlagsFromString`
 *   works at run time. Set before the agent's modules load.
 * - `--optimize-for-size`: V8 favours a smaller heap over speed where it has the choice.
 */
import { setFlagsFromString } from 'node:v8';

/** The V8 flags the agent sets on itself (only flags V8 reads after start-up work here). */
export const AGENT_V8_FLAGS: readonly string[] = ['--semi-space-growth-factor=1', '--optimize-for-size'];

/** Applies AGENT_V8_FLAGS to this process. Idempotent. */
export function applyAgentV8Flags(): void {
  for (const f of AGENT_V8_FLAGS) setFlagsFromString(f);
}

/**
 * Environment the agent's DaemonSet must NOT set (test/deploy checks): the process tunes itself,
 * and `npm run bench -- agent` measures it started with none of these.
 */
export const AGENT_TUNING_ENV_NAMES: readonly string[] = ['NODE_OPTIONS', 'MALLOC_TRIM_THRESHOLD_'];
