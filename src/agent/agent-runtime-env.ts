/**
 * The node agent's V8 settings, applied by the process itself (`epc agent` needs no NODE_OPTIONS
 * or malloc env: the bounds hold for the binary as started, whatever its environment).
 *
 * - `--semi-space-growth-factor=1`: V8 otherwise doubles the young generation up to 16 MiB
 *   semi-spaces (32 MiB committed, kept) under the agent's PreStart bursts; the agent's
 *   allocation rate does not need it. Unlike `--max-semi-space-size` (a heap-configuration flag
 *   read once at isolate creation, and refused in NODE_OPTIONS for this one) it is read at every
 *   scavenge, so `v8.setFlagsFromString` works at run time. Set before the agent's modules load.
 * - a full GC when the old generation has grown by `OLD_GROWTH_GC_BYTES` since the last one
 *   (see heap-compactor): V8's own limit lets dead objects pile up to several times the live heap
 *   before a mark-compact, which is what `--max-old-space-size=128` used to cap.
 */
import { setFlagsFromString } from 'node:v8';

/** The V8 flags the agent sets on itself (only flags V8 reads after start-up work here). */
export const AGENT_V8_FLAGS: readonly string[] = ['--semi-space-growth-factor=1', '--optimize-for-size'];

/** Applies AGENT_V8_FLAGS to this process. Idempotent. */
export function applyAgentV8Flags(extra = process.env.EPC_AGENT_V8_FLAGS_EXPERIMENT): void {
  for (const f of AGENT_V8_FLAGS) setFlagsFromString(f);
  for (const f of (extra ?? '').split(' ').filter(Boolean)) setFlagsFromString(f);
}

/**
 * Extra tuning the agent DaemonSet still sets (deploy/base and the chart; test/deploy checks they
 * match). Not needed for the bench's bounds (the process tunes itself, above); with it, glibc
 * returns freed parser memory sooner and the old generation is capped.
 */
export const AGENT_RUNTIME_ENV: Readonly<Record<string, string>> = {
  NODE_OPTIONS: '--max-semi-space-size=2 --max-old-space-size=128',
  MALLOC_TRIM_THRESHOLD_: '131072',
};
