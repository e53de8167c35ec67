import type { DemoResult, PodResult, RunResult } from './demo-results.js';

const MiB = 1024 * 1024;

/** Bytes as MiB with one decimal where needed ("64", "47.6"). */
export function mib(bytes: number): string {
  const v = bytes / MiB;
  return Number.isInteger(v) ? String(v) : v.toFixed(1);
}

function us(v: number): string {
  return v >= 10_000 ? `${(v / 1000).toFixed(1)}ms` : `${Math.round(v)}`;
}

/** Left-aligns the first `left` columns, right-aligns the rest; two spaces between columns. */
export function alignColumns(rows: string[][], left: number): string[] {
  const widths = rows[0].map((_, c) => Math.max(...rows.map((r) => (r[c] ?? '').length)));
  return rows.map((r) => r.map((cell, c) => (c < left ? cell.padEnd(widths[c]) : cell.padStart(widths[c]))).join('  ').trimEnd());
}

const HEADER = ['run', 'pod', 'role', 'request', 'limit', 'peak', 'limit-ev', 'evicted', 'reloaded', 'p50 µs', 'p99 µs', 'mean µs', 'slowdown', 'bound-before-start'];

function podRow(run: RunResult, p: PodResult): string[] {
  return [
    run.enforcement, `${p.namespace}/${p.name}`, p.role, `${mib(p.requestBytes)}Mi`, p.limitBytes === null ? 'none' : `${mib(p.limitBytes)}Mi`,
    `${mib(p.peakBytes)}Mi`, String(p.limitEvents), String(p.evictions), String(p.reloads), us(p.p50AccessUs), us(p.p99AccessUs), us(p.meanAccessUs),
    p.slowdown === null ? '-' : `${p.slowdown.toFixed(2)}x`, p.error ? `error: ${p.error}` : p.limitBoundBeforeStart ? 'yes' : 'no',
  ];
}

/**
 * The human summary of a demo: one table row per pod and run (sizes in MiB, latencies in µs
 * after warm-up, pages for evictions/reloads), then the verdict and what failed.
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
    '  evicted/reloaded = pages over the pod\'s life; p50/p99/mean = access latency per call after warm-up;',
    `  slowdown = mean latency in this run / mean alone on an idle node (quiet tenants must stay <= ${r.scenario.slowdownBound}x with limits on)`,
    '',
    `isolation holds: ${r.isolationHolds ? 'yes' : 'NO'}; every limit bound before start: ${r.limitsBoundBeforeStart ? 'yes' : 'NO'}`,
  ];
  for (const f of r.failures) lines.push(`FAILED: ${f}`);
  for (const n of r.notes) lines.push(`note: ${n}`);
  if (r.reportFile) lines.push(`report: ${r.reportFile}`);
  return lines.join('\n') + '\n';
}
