import type { DemoResult, PodResult, RunResult, SeriesPoint } from '../../../src/testbed/demo/demo-results.js';

const Mi = 1024 * 1024;

function pod(p: Partial<PodResult> & Pick<PodResult, 'namespace' | 'name' | 'role'>): PodResult {
  return {
    requestBytes: 64 * Mi, limitBytes: 64 * Mi, workingSetBytes: 48 * Mi, peakBytes: 50 * Mi, limitEvents: 0, evictions: 0, reloads: 0,
    evictionsAfterBuild: 0, reloadsAfterBuild: 0, evictionsAfterWarmup: 0, reloadsAfterWarmup: 0,
    p50AccessUs: 100, p99AccessUs: 200, meanAccessUs: 110, wallP50Us: 100, wallP99Us: 200, accesses: 1000, pagesAccessed: 64000, pagingNs: 0,
    modeledNsPerPage: 1333.3, slowdown: 1, wallSlowdown: 1.1, p99Slowdown: 1, limitBoundBeforeStart: true,
    cgroup: `/kubepods/pod-${p.name}`, slot: `enclave-${p.name}`, ...p,
  };
}

function series(n: number, mib: number, pagesPerStep: number): SeriesPoint[] {
  return Array.from({ length: n }, (_, i) => ({ t: i * 0.5, currentBytes: Math.min(mib, i * 8) * Mi, evicted: i * pagesPerStep, reloaded: i * pagesPerStep, p50Us: 100 + i, p99Us: 200 + i, modeledNsPerPage: 1333.3 + pagesPerStep * 10 }));
}

function run(enforcement: 'off' | 'on', pods: PodResult[], noisyPaging: number, quietPaging: number): RunResult {
  return {
    enforcement, mode: enforcement === 'on' ? 'agent binds per-pod limits' : 'pod cgroups without limits',
    pods, node: { capacityBytes: 256 * Mi, evicted: 10, reloaded: 10 }, elapsedMs: 6000,
    series: Object.fromEntries(pods.map((p) => [`${p.namespace}/${p.name}`, series(12, p.role === 'noisy' ? (enforcement === 'on' ? 64 : 150) : 50, p.role === 'noisy' ? noisyPaging : quietPaging)])),
  };
}

/** A plausible passing demo result (hand-made, for rendering tests). */
export function sampleResult(): DemoResult {
  const on = [pod({ namespace: 'tenant-a', name: 'quiet-a', role: 'quiet' }), pod({ namespace: 'tenant-b', name: 'quiet-b', role: 'quiet' }),
    pod({ namespace: 'tenant-c', name: 'noisy-c', role: 'noisy', workingSetBytes: 192 * Mi, peakBytes: 64 * Mi, limitEvents: 900, evictions: 40000, reloads: 39000, slowdown: 9.5 })];
  const off = on.map((p) => ({ ...p, limitBytes: null, limitBoundBeforeStart: false, evictions: 3000, reloads: 2900, evictionsAfterBuild: 2500, reloadsAfterBuild: 2500, evictionsAfterWarmup: 2000, reloadsAfterWarmup: 2000, slowdown: p.role === 'quiet' ? 6.2 : 1.3 }));
  return {
    scenario: { name: 'sample <&> "scenario"', nodeEpcBytes: 256 * Mi, durationSeconds: 5, slowdownBound: 1.05, costScale: 1, pageAccessNs: 1333.3 },
    solo: on.map((p) => ({ namespace: p.namespace, name: p.name, modeledNsPerPage: 1333.3, pagesAccessed: 60000, p50AccessUs: 90, p99AccessUs: 180, meanAccessUs: 100, samples: 400 })),
    runs: { off: run('off', off, 40, 30), on: run('on', on, 300, 0) },
    isolationHolds: true, problemReproduced: true, limitsBoundBeforeStart: true, failures: [], notes: [], reportFile: '/tmp/epc-demo-report.html', elapsedMs: 30000,
  };
}
