/**
 * `epc-demo-report.html`: one self-contained page (inline CSS and SVG, no scripts, no external
 * assets) with the verdict, the per-pod table and, for both runs side by side on shared axes,
 * EPC usage, paging rate and access latency per pod over time. Written as well-formed XHTML-style
 * markup (every element closed, attributes quoted) so it can be checked with an XML parser.
 */
import type { DemoResult, PodResult, RunName, RunResult, SeriesPoint } from './demo-results.js';
import { mib } from './format-table.js';
import { escapeXml, lineChart, type ChartSeries } from './svg-chart.js';

const MiB = 1024 * 1024;
const QUIET_COLORS = ['#1f77b4', '#2ca02c', '#17becf', '#9467bd', '#8c564b', '#7f7f7f', '#bcbd22'];
const NOISY_COLORS = ['#d62728', '#ff7f0e', '#e377c2'];

/** Stable colour per pod (by role and order), the same in both runs. */
export function podColors(pods: ReadonlyArray<Pick<PodResult, 'namespace' | 'name' | 'role'>>): Map<string, string> {
  const m = new Map<string, string>();
  let q = 0;
  let n = 0;
  for (const p of pods) m.set(`${p.namespace}/${p.name}`, p.role === 'noisy' ? NOISY_COLORS[n++ % NOISY_COLORS.length] : QUIET_COLORS[q++ % QUIET_COLORS.length]);
  return m;
}

/** Pages per second between consecutive samples (evicted + reloaded), plotted at the later time. */
export function pagingRate(points: readonly SeriesPoint[]): Array<[number, number]> {
  const out: Array<[number, number]> = [];
  for (let i = 1; i < points.length; i++) {
    const dt = points[i].t - points[i - 1].t;
    if (dt <= 0) continue;
    const pages = points[i].evicted - points[i - 1].evicted + (points[i].reloaded - points[i - 1].reloaded);
    out.push([points[i].t, Math.max(0, pages) / dt]);
  }
  return out;
}

type Metric = 'usage' | 'paging' | 'latency';

function seriesFor(run: RunResult, metric: Metric, colors: Map<string, string>): ChartSeries[] {
  return run.pods.map((p) => {
    const key = `${p.namespace}/${p.name}`;
    const pts = run.series[key] ?? [];
    const points: Array<[number, number]> =
      metric === 'usage' ? pts.map((s) => [s.t, s.currentBytes / MiB])
      : metric === 'paging' ? pagingRate(pts)
      : pts.filter((s) => s.p50Us !== undefined).map((s) => [s.t, (s.p50Us ?? 0) / 1000]);
    return { label: `${p.name} (${p.role})`, color: colors.get(key) ?? '#000', points, dashed: p.role === 'noisy', data: { run: run.enforcement, pod: key, metric, role: p.role } };
  });
}

function maxOf(series: ChartSeries[][], floor: number): number {
  let m = floor;
  for (const list of series) for (const s of list) for (const [, y] of s.points) if (Number.isFinite(y)) m = Math.max(m, y);
  return m;
}

const METRICS: Array<{ metric: Metric; title: string; yLabel: string }> = [
  { metric: 'usage', title: 'EPC resident per pod', yLabel: 'MiB' },
  { metric: 'paging', title: 'paging per pod (evicted + reloaded)', yLabel: 'pages/s' },
  { metric: 'latency', title: 'median access latency per 250 ms', yLabel: 'ms' },
];

function charts(r: DemoResult, colors: Map<string, string>): string {
  const runs: RunName[] = ['off', 'on'];
  const xMax = Math.max(1, ...runs.flatMap((n) => Object.values(r.runs[n].series).flatMap((pts) => pts.map((p) => p.t))));
  const rows: string[] = [];
  for (const m of METRICS) {
    const perRun = runs.map((n) => seriesFor(r.runs[n], m.metric, colors));
    const yMax = m.metric === 'usage' ? Math.max(r.scenario.nodeEpcBytes / MiB, maxOf(perRun, 1)) : maxOf(perRun, m.metric === 'latency' ? 0.1 : 10);
    const cells = runs.map((n, i) => {
      const markers = m.metric === 'usage' ? [{ y: r.scenario.nodeEpcBytes / MiB, label: `node EPC ${mib(r.scenario.nodeEpcBytes)}Mi`, color: '#444' }] : [];
      return `<td>${lineChart({ title: `${m.title}: limits ${n}`, xLabel: 'seconds', yLabel: m.yLabel, xMax, yMax, series: perRun[i], markers })}</td>`;
    });
    rows.push(`<tr>${cells.join('')}</tr>`);
  }
  return `<table class="charts"><thead><tr><th>enforcement off (global reclaim only)</th><th>enforcement on (per-pod limits)</th></tr></thead><tbody>\n${rows.join('\n')}\n</tbody></table>`;
}

function podTable(r: DemoResult, colors: Map<string, string>): string {
  const head = ['run', 'pod', 'role', 'request', 'limit', 'peak', 'limit events', 'evicted', 'reloaded', 'p50 µs', 'p99 µs', 'mean µs', 'slowdown', 'limit bound before start'];
  const rows = (['off', 'on'] as const).flatMap((n) => r.runs[n].pods.map((p) => {
    const key = `${p.namespace}/${p.name}`;
    const cells = [
      n, `<span class="sw" style="background:${colors.get(key)}"></span>${escapeXml(key)}`, p.role, `${mib(p.requestBytes)}Mi`,
      p.limitBytes === null ? 'none' : `${mib(p.limitBytes)}Mi`, `${mib(p.peakBytes)}Mi`, String(p.limitEvents), String(p.evictions), String(p.reloads),
      String(Math.round(p.p50AccessUs)), String(Math.round(p.p99AccessUs)), String(Math.round(p.meanAccessUs)), p.slowdown === null ? '-' : `${p.slowdown.toFixed(2)}x`,
      p.error ? `error: ${escapeXml(p.error)}` : p.limitBoundBeforeStart ? 'yes' : 'no',
    ];
    const bad = n === 'on' && p.role === 'quiet' && (p.evictionsAfterWarmup > 0 || p.reloadsAfterWarmup > 0 || p.slowdown === null || p.slowdown > r.scenario.slowdownBound);
    return `<tr class="${n}${bad ? ' bad' : ''}">${cells.map((c) => `<td>${c}</td>`).join('')}</tr>`;
  }));
  return `<table class="pods"><thead><tr>${head.map((h) => `<th>${escapeXml(h)}</th>`).join('')}</tr></thead><tbody>\n${rows.join('\n')}\n</tbody></table>`;
}

/** Renders the whole report page. Pure. */
export function renderHtmlReport(r: DemoResult, opts: { generatedAt?: Date } = {}): string {
  const colors = podColors(r.runs.on.pods.length ? r.runs.on.pods : r.runs.off.pods);
  const ok = r.failures.length === 0;
  const verdict = ok
    ? 'PASS: with per-pod limits the quiet tenants were not paged and kept their latency; every limit was bound before its container started.'
    : `FAIL: ${r.failures.map(escapeXml).join('; ')}`;
  const solo = r.solo.map((s) => `<tr><td>${escapeXml(`${s.namespace}/${s.name}`)}</td><td>${Math.round(s.p50AccessUs)}</td><td>${Math.round(s.p99AccessUs)}</td><td>${Math.round(s.meanAccessUs)}</td><td>${s.samples}</td><td>${s.error ? escapeXml(s.error) : ''}</td></tr>`).join('\n');
  return `<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE html>
<html xmlns="http://www.w3.org/1999/xhtml" lang="en">
<head>
<meta charset="utf-8"/>
<title>epc demo report: ${escapeXml(r.scenario.name)}</title>
<style>
body{font:14px/1.4 system-ui,sans-serif;margin:1.5em;color:#222}
h1{font-size:1.4em}h2{font-size:1.15em;margin-top:1.5em}
table{border-collapse:collapse}
table.pods td,table.pods th,table.solo td,table.solo th{border:1px solid #ccc;padding:2px 6px;text-align:right}
table.pods td:nth-child(-n+3),table.solo td:first-child{text-align:left}
tr.on{background:#f4f9ff}tr.bad{background:#fde0e0}
.verdict{padding:.6em 1em;border-radius:4px}.pass{background:#e3f6e3}.fail{background:#fde0e0}
.sw{display:inline-block;width:10px;height:10px;margin-right:4px}
svg .g{stroke:#eee}svg .ax{stroke:#888}svg .a{font-size:10px;fill:#555}svg .t{font-size:12px;font-weight:600}svg .l{font-size:10px}
table.charts td{vertical-align:top;padding:4px}
</style>
</head>
<body>
<h1>epc demo: ${escapeXml(r.scenario.name)}</h1>
<p>A simulated SGX node with ${mib(r.scenario.nodeEpcBytes)}Mi of EPC, the same tenants run twice for ${r.scenario.durationSeconds} s: without per-pod EPC limits (global reclaim only, what AKS nodes do today: <em>${escapeXml(r.runs.off.mode)}</em>) and with them (<em>${escapeXml(r.runs.on.mode)}</em>). Paging cost scale ${r.scenario.costScale}.${opts.generatedAt ? ` Generated ${escapeXml(opts.generatedAt.toISOString())}.` : ''}</p>
<p class="verdict ${ok ? 'pass' : 'fail'}">${verdict}</p>
${r.notes.length ? `<ul>${r.notes.map((n) => `<li>${escapeXml(n)}</li>`).join('')}</ul>` : ''}
<h2>Per pod</h2>
${podTable(r, colors)}
<p>Evicted/reloaded: pages over the pod's life. Latencies: per access call after warm-up. Slowdown: mean latency in the run divided by the mean of the same tenant alone on an idle node without limits; quiet tenants must stay at or under ${r.scenario.slowdownBound}x with limits on.</p>
<h2>Over time</h2>
${charts(r, colors)}
<h2>Baseline: each tenant alone on an idle node</h2>
<table class="solo"><thead><tr><th>pod</th><th>p50 µs</th><th>p99 µs</th><th>mean µs</th><th>samples</th><th>error</th></tr></thead><tbody>
${solo}
</tbody></table>
</body>
</html>
`;
}
