import type { WorkloadReport } from './run-workload.js';

const MiB = 1024 * 1024;

/** The human text of `epc workload` (without --json). */
export function formatWorkloadReport(r: WorkloadReport): string {
  const c = r.config;
  const lines = [
    `workload ${r.enclave} in slot ${r.slot} (cgroup ${r.cgroup})`,
    `  enclave ${(c.enclaveBytes / MiB).toFixed(1)} MiB, working set ${(c.workingSetBytes / MiB).toFixed(1)} MiB, ${c.pattern}, batch ${c.batch}, rate ${c.rate || 'max'}/s`,
    `  build: ${r.build.pages} pages in ${r.build.ms} ms (${r.build.evictedInCgroup} evicted in cgroup)`,
    `  accesses: ${r.accesses} calls, ${r.pagesAccessed} pages in ${r.elapsedMs} ms (warm-up ${r.warmupAccesses} calls)`,
    `  modeled: ${r.modeled.nsPerPage} ns per page access (${r.modeled.pages} pages, ${r.modeled.pagingNs} ns of paging charged) after warm-up`,
    `  wall latency per call: p50 ${r.latencyUs.p50} µs, p99 ${r.latencyUs.p99} µs, max ${r.latencyUs.max} µs (${r.latencyUs.samples} samples)`,
    `  reloads: ${r.reloads} (${r.reloadsAfterWarmup} after warm-up), evictions: ${r.evictions} (${r.evictionsAfterWarmup} after warm-up), EBUSY retries: ${r.busyRetries}`,
    `  stopped by: ${r.stoppedBy}${r.error ? ` (${r.error})` : ''}`,
  ];
  return lines.join('\n') + '\n';
}
