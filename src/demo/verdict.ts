import type { PodResult, RunResult } from './demo-results.js';

/** The demo's verdict over its two runs. */
export interface Verdict {
  isolationHolds: boolean;
  limitsBoundBeforeStart: boolean;
  failures: string[];
  notes: string[];
}

function paged(p: PodResult): boolean {
  return p.evictions > 0 || p.reloads > 0;
}

/**
 * Judges the runs. The demo passes only if, with enforcement on, every quiet tenant saw no
 * eviction and no reload after its warm-up and a slowdown of at most `slowdownBound`, every pod's
 * limit was bound before its container started, and no workload of the "on" run failed. The "off" run decides
 * nothing: when it does not show the problem (no quiet tenant paged) that is only noted, since the
 * scenario may simply fit the node.
 */
export function judge(runs: { off: RunResult; on: RunResult }, opts: { slowdownBound: number }): Verdict {
  const failures: string[] = [];
  const notes: string[] = [];
  let isolationHolds = true;
  for (const p of runs.on.pods) {
    const id = `${p.namespace}/${p.name}`;
    if (p.error) {
      failures.push(`${id} failed in the "on" run: ${p.error}`);
      if (p.role === 'quiet') isolationHolds = false;
      continue;
    }
    if (p.role !== 'quiet') continue;
    if (p.evictionsAfterWarmup > 0 || p.reloadsAfterWarmup > 0) {
      isolationHolds = false;
      failures.push(`${id} (quiet) was paged with enforcement on: ${p.evictionsAfterWarmup} evictions and ${p.reloadsAfterWarmup} reloads after warm-up`);
    }
    if (p.slowdown === null) {
      isolationHolds = false;
      failures.push(`${id} (quiet) has no slowdown figure (no latency samples)`);
    } else if (p.slowdown > opts.slowdownBound) {
      isolationHolds = false;
      failures.push(`${id} (quiet) slowed down ${p.slowdown}x with enforcement on, more than the bound ${opts.slowdownBound}x`);
    }
  }
  const unbound = runs.on.pods.filter((p) => !p.limitBoundBeforeStart);
  for (const p of unbound) failures.push(`${p.namespace}/${p.name}: its EPC limit was not bound before its container started (limit ${p.limitBytes ?? 'none'}, request ${p.requestBytes})`);
  // Without limits a tenant can die of EPC pressure (a fault that cannot be charged is SIGBUS on
  // hardware, ENOMEM here): that is the problem being shown, not a failure of the demo.
  for (const p of runs.off.pods) if (p.error) notes.push(`${p.namespace}/${p.name} died in the "off" run: ${p.error}`);
  const quietOff = runs.off.pods.filter((p) => p.role === 'quiet');
  if (quietOff.length > 0 && !quietOff.some(paged)) notes.push('the "off" run did not reproduce the problem: no quiet tenant was paged without limits (the working sets may fit the node)');
  const noisyOn = runs.on.pods.filter((p) => p.role === 'noisy');
  if (noisyOn.some((p) => !paged(p))) notes.push('a noisy tenant was not paged with enforcement on: its working set may fit its request');
  return { isolationHolds, limitsBoundBeforeStart: unbound.length === 0 && runs.on.pods.length > 0, failures, notes };
}
