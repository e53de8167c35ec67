import type { PodResult, RunResult } from './demo-results.js';

/** The demo's verdict over its two runs. */
export interface Verdict {
  /** Every condition below met. */
  isolationHolds: boolean;
  /** With limits off a quiet tenant was paged (the problem showed). */
  problemReproduced: boolean;
  limitsBoundBeforeStart: boolean;
  /** One line per failed condition. */
  failures: string[];
  notes: string[];
}

const id = (p: PodResult) => `${p.namespace}/${p.name}`;
const MiB = 1024 * 1024;
const mib = (b: number) => `${Math.round((b / MiB) * 10) / 10}Mi`;

/** The pod's cgroup had pages evicted or reloaded after its enclave was built. */
export function pagedAfterBuild(p: PodResult): boolean {
  return p.evictionsAfterBuild > 0 || p.reloadsAfterBuild > 0;
}

/**
 * Judges the runs in the model's own time, never by wall-clock latency. Isolation holds exactly
 * when, with limits on:
 *  - every quiet tenant ran, had 0 evictions and 0 reloads after its build, and a modeled
 *    slowdown (see slowdown.ts) within `slowdownBound`;
 *  - every pod's limit was bound (slot -> its cgroup, misc.max = its request) before it started;
 *  - every noisy tenant ran and was held at its request (peak <= request);
 * and, with limits off, at least one quiet tenant was paged: the problem showed, so the "on"
 * run's result means something. Each failed condition is one `failures` line.
 */
export function judge(runs: { off: RunResult; on: RunResult }, opts: { slowdownBound: number }): Verdict {
  const failures: string[] = [];
  const notes: string[] = [];
  for (const p of runs.on.pods) {
    if (p.error) {
      failures.push(`${id(p)} (${p.role}) failed with limits on: ${p.error}`);
      continue;
    }
    if (p.role === 'noisy') {
      if (p.peakBytes > p.requestBytes) failures.push(`${id(p)} (noisy) was not held at its request with limits on: peak ${mib(p.peakBytes)} > request ${mib(p.requestBytes)}`);
      continue;
    }
    if (pagedAfterBuild(p)) failures.push(`${id(p)} (quiet) was paged with limits on: ${p.evictionsAfterBuild} evictions and ${p.reloadsAfterBuild} reloads after its build`);
    if (p.slowdown === null) failures.push(`${id(p)} (quiet) has no modeled slowdown figure (no page accessed after warm-up, here or alone)`);
    else if (p.slowdown > opts.slowdownBound) failures.push(`${id(p)} (quiet) modeled slowdown ${p.slowdown.toFixed(2)}x with limits on, more than the bound ${opts.slowdownBound}x`);
  }
  const unbound = runs.on.pods.filter((p) => !p.limitBoundBeforeStart);
  for (const p of unbound) failures.push(`${id(p)}: its EPC limit was not bound before its container started (limit ${p.limitBytes ?? 'none'}, request ${p.requestBytes})`);
  // Without limits a tenant can die of EPC pressure (a fault that cannot be charged is SIGBUS on
  // hardware, ENOMEM here): that is the problem being shown, not a failure of the demo.
  for (const p of runs.off.pods) if (p.error) notes.push(`${id(p)} died in the "off" run: ${p.error}`);
  const quietOff = runs.off.pods.filter((p) => p.role === 'quiet');
  const problemReproduced = quietOff.some((p) => p.evictions > 0 || p.reloads > 0);
  if (!problemReproduced) failures.push('the problem did not show with limits off: no quiet tenant was paged, so the "on" run proves nothing (make the working sets exceed the node)');
  const noisyOn = runs.on.pods.filter((p) => p.role === 'noisy');
  if (noisyOn.some((p) => !p.error && p.limitEvents === 0)) notes.push('a noisy tenant never reached its limit with limits on: its working set may fit its request');
  return { isolationHolds: failures.length === 0, problemReproduced, limitsBoundBeforeStart: unbound.length === 0 && runs.on.pods.length > 0, failures, notes };
}
