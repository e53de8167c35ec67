import type { DemoResult, PodResult, RunResult } from './demo-results.js';

const MiB = 1024 * 1024;

/** Bytes as MiB with one decimal where needed ("64", "47.6"). */
export function mib(bytes: number): string {
  const v = bytes / MiB;
  return Number.isInteger(v) ? String(v) : v.toFixed(1);
}

/** Microseconds as a whole number: every latency column in µs, whatever its size (no unit switch). */
function us(v: number): string {
  return String(Math.round(v));
}

function ratio(v: number | null): string {
  return v === null ? '-' : `${v.toFixed(2)}x`;
}

/** Left-aligns the first `left` columns, right-aligns the rest; two spaces between columns. */
export function alignColumns(rows: string[][], left: number): string[] {
  const widths = rows[0].map((_, c) => Math.max(...rows.map((r) => (r[c] ?? '').length)));
  return rows.map((r) => r.map((cell, c) => (c < left ? cell.padEnd(widths[c]) : cell.padStart(widths[c]))).join('  ').trimEnd());
}

const HEADER = ['run', 'pod', 'role', 'request', 'wset', 'limit', 'peak', 'limit-ev', 'evicted', 'reloaded', 'modeled ns/pg', 'slowdown', '|', 'wall p50 µs', 'wall p99 µs', 'wall mean µs', 'wall-slowdown', 'bound-before-start'];

function podRow(run: RunResult, p: PodResult): string[] {
  return [
    run.enforcement, `${p.namespace}/${p.name}`, p.role, `${mib(p.requestBytes)}Mi`, `${mib(p.workingSetBytes)}Mi`, p.limitBytes === null ? 'none' : `${mib(p.limitBytes)}Mi`,
    `${mib(p.peakBytes)}Mi`, String(p.limitEvents), String(p.evictions), String(p.reloads), String(Math.round(p.modeledNsPerPage)), ratio(p.slowdown), '|',
    us(p.wallP50Us), us(p.wallP99Us), us(p.meanAccessUs), ratio(p.wallSlowdown), p.error ? `error: ${p.error}` : p.limitBoundBeforeStart ? 'yes' : 'no',
  ];
}

/**
 * The human summary of a demo: one table row per pod and run (sizes in MiB, pages for
 * evictions/reloads, modeled ns per page access, wall latencies in µs after warm-up), what the
 * columns mean, then the verdict lines and what failed.
 */
export function formatDemoTable(r: DemoResult): string {
  const rows = [HEADER];
  for (const run of [r.runs.off, r.runs.on]) for (const p of run.pods) rows.push(podRow(run, p));
  const lines = [
    `epc demo: ${r.scenario.name} (node EPC ${mib(r.scenario.nodeEpcBytes)}Mi, ${r.scenario.durationSeconds}s per run)`,
    '',
    ...alignColumns(rows, 3),
    '',
    `  off = no per-pod limits (${r.runs.off.mode}); on = per-pod limits (${r.runs.on.mode})`,
    '  evicted/reloaded = pages over the pod\'s life; wset = working set (pages the tenant keeps touching)',
    `  modeled ns/pg = modeled time per page access after warm-up: ${r.scenario.pageAccessNs} ns per page + the paging cost the model charged to its accesses`,
    `  slowdown = modeled ns/pg in this run / alone on an idle node (quiet tenants must stay <= ${r.scenario.slowdownBound}x with limits on)`,
    '  right of |, informational only: wall time of one access call through the enclave socket, after warm-up (moves with this machine\'s CPU load)',
    '',
    `problem reproduced: ${r.problemReproduced ? 'yes' : 'NO'} (with limits off a quiet tenant was paged)`,
    `isolation holds: ${r.isolationHolds ? 'yes' : 'NO'}; every limit bound before start: ${r.limitsBoundBeforeStart ? 'yes' : 'NO'}`,
  ];
  for (const f of r.failures) lines.push(`FAILED: ${f}`);
  for (const n of r.notes) lines.push(`note: ${n}`);
  if (r.reportFile) lines.push(`report: ${r.reportFile}`);
  return lines.join('\n') + '\n';
}
