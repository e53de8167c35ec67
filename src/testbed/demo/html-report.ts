/**
 * `epc-demo-report.html`: one self-contained page (inline CSS and SVG, no scripts, no external
 * assets) with the verdict, the per-pod table and, for both runs side by side on shared axes,
 * EPC usage, paging rate and access latency per pod over time. Written as well-formed XHTML-style
 * markup (every element closed, attributes quoted) so it can be checked with an XML parser.
 */
import type { DemoResult, PodResult, RunName, RunResult, SeriesPoint } from './demo-results.js';
import { pagedAfterBuild } from './verdict.js';
import { mib } from './format-table.js';
import { escapeXml, lineChart, MARKER_SHAPES, type ChartSeries, type MarkerShape } from './svg-chart.js';

const MiB = 1024 * 1024;
const QUIET_COLORS = ['#1f77b4', '#2ca02c', '#17becf', '#9467bd', '#8c564b', '#7f7f7f', '#bcbd22'];
const NOISY_COLORS = ['#d62728', '#ff7f0e', '#e377c2'];

const QUIET_DASHES = [undefined, '7 3', '2 2', '9 3 2 3'];
const NOISY_DASHES = ['5 3', '1 3'];

/** How one pod's lines look, the same in every chart of both runs. */
export interface PodStyle {
  color: string;
  dash?: string;
  marker: MarkerShape;
}

/** Stable colour per pod (by role and order), the same in both runs. */
export function podColors(pods: ReadonlyArray<Pick<PodResult, 'namespace' | 'name' | 'role'>>): Map<string, string> {
  return new Map([...podStyles(pods)].map(([k, v]) => [k, v.color]));
}

/**
 * Colour, dash pattern and marker per pod: quiet tenants' lines often lie exactly on top of each
 * other (same usage, no paging), so each has its own dash and marker as well as its colour.
 */
export function podStyles(pods: ReadonlyArray<Pick<PodResult, 'namespace' | 'name' | 'role'>>): Map<string, PodStyle> {
  const m = new Map<string, PodStyle>();
  let q = 0;
  let n = 0;
  pods.forEach((p, i) => {
    const marker = MARKER_SHAPES[i % MARKER_SHAPES.length];
    const style = p.role === 'noisy'
      ? { color: NOISY_COLORS[n % NOISY_COLORS.length], dash: NOISY_DASHES[n++ % NOISY_DASHES.length], marker }
      : { color: QUIET_COLORS[q % QUIET_COLORS.length], dash: QUIET_DASHES[q++ % QUIET_DASHES.length], marker };
    m.set(`${p.namespace}/${p.name}`, style);
  });
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

type Metric = 'usage' | 'paging' | 'modeled' | 'latency';

function seriesFor(run: RunResult, metric: Metric, styles: Map<string, PodStyle>): ChartSeries[] {
  return run.pods.map((p) => {
    const key = `${p.namespace}/${p.name}`;
    const pts = run.series[key] ?? [];
    const points: Array<[number, number]> =
      metric === 'usage' ? pts.map((s) => [s.t, s.currentBytes / MiB])
      : metric === 'paging' ? pagingRate(pts)
      : metric === 'modeled' ? pts.filter((s) => s.modeledNsPerPage !== undefined).map((s) => [s.t, (s.modeledNsPerPage ?? 0) / 1000])
      : pts.filter((s) => s.p50Us !== undefined).map((s) => [s.t, (s.p50Us ?? 0) / 1000]);
    const st = styles.get(key) ?? { color: '#000', marker: 'circle' as const };
    return { label: `${p.name} (${p.role})`, color: st.color, dash: st.dash, marker: st.marker, points, data: { run: run.enforcement, pod: key, metric, role: p.role } };
  });
}

function maxOf(series: ChartSeries[][], floor: number): number {
  let m = floor;
  for (const list of series) for (const s of list) for (const [, y] of s.points) if (Number.isFinite(y)) m = Math.max(m, y);
  return m;
}

const METRICS: Array<{ metric: Metric; title: string; yLabel: string; floor: number }> = [
  { metric: 'modeled', title: 'modeled time per page access', yLabel: 'µs per page', floor: 2 },
  { metric: 'usage', title: 'EPC resident per pod', yLabel: 'MiB', floor: 1 },
  { metric: 'paging', title: 'paging per pod (evicted + reloaded)', yLabel: 'pages/s', floor: 10 },
  { metric: 'latency', title: 'wall median per call (informational)', yLabel: 'ms', floor: 0.1 },
];

function charts(r: DemoResult, styles: Map<string, PodStyle>): string {
  const runs: RunName[] = ['off', 'on'];
  const xMax = Math.max(1, ...runs.flatMap((n) => Object.values(r.runs[n].series).flatMap((pts) => pts.map((p) => p.t))));
  const rows: string[] = [];
  for (const m of METRICS) {
    const perRun = runs.map((n) => seriesFor(r.runs[n], m.metric, styles));
    const yMax = m.metric === 'usage' ? Math.max(r.scenario.nodeEpcBytes / MiB, maxOf(perRun, 1)) : maxOf(perRun, m.floor);
    const cells = runs.map((n, i) => {
      const markers = m.metric === 'usage' ? [{ y: r.scenario.nodeEpcBytes / MiB, label: `node EPC ${mib(r.scenario.nodeEpcBytes)}Mi`, color: '#444' }]
        : m.metric === 'modeled' ? [{ y: r.scenario.pageAccessNs / 1000, label: 'unpaged', color: '#444' }] : [];
      return `<td>${lineChart({ title: `${m.title}: limits ${n}`, xLabel: 'seconds', yLabel: m.yLabel, xMax, yMax, series: perRun[i], markers })}</td>`;
    });
    rows.push(`<tr>${cells.join('')}</tr>`);
  }
  return `<table class="charts"><thead><tr><th>enforcement off (global reclaim only)</th><th>enforcement on (per-pod limits)</th></tr></thead><tbody>\n${rows.join('\n')}\n</tbody></table>`;
}

function ratio(v: number | null): string {
  return v === null ? '-' : `${v.toFixed(2)}x`;
}

/** Columns of the pod table that hold informational wall-clock figures (shown grey). */
const WALL_COLUMNS = [12, 13, 14, 15];

function podTable(r: DemoResult, styles: Map<string, PodStyle>): string {
  const head = ['run', 'pod', 'role', 'request', 'working set', 'limit', 'peak', 'limit events', 'evicted', 'reloaded', 'modeled ns/page', 'slowdown',
    'wall p50 µs', 'wall p99 µs', 'wall mean µs', 'wall slowdown', 'limit bound before start'];
  const rows = (['off', 'on'] as const).flatMap((n) => r.runs[n].pods.map((p) => {
    const key = `${p.namespace}/${p.name}`;
    const cells = [
      n, `<span class="sw" style="background:${styles.get(key)?.color}"></span>${escapeXml(key)}`, p.role, `${mib(p.requestBytes)}Mi`, `${mib(p.workingSetBytes)}Mi`,
      p.limitBytes === null ? 'none' : `${mib(p.limitBytes)}Mi`, `${mib(p.peakBytes)}Mi`, String(p.limitEvents), String(p.evictions), String(p.reloads),
      String(Math.round(p.modeledNsPerPage)), ratio(p.slowdown),
      String(Math.round(p.wallP50Us)), String(Math.round(p.wallP99Us)), String(Math.round(p.meanAccessUs)), ratio(p.wallSlowdown),
      p.error ? `error: ${escapeXml(p.error)}` : p.limitBoundBeforeStart ? 'yes' : 'no',
    ];
    const bad = n === 'on' && p.role === 'quiet' && (pagedAfterBuild(p) || p.slowdown === null || p.slowdown > r.scenario.slowdownBound);
    return `<tr class="${n}${bad ? ' bad' : ''}">${cells.map((c, i) => `<td${WALL_COLUMNS.includes(i) ? ' class="wall"' : ''}>${c}</td>`).join('')}</tr>`;
  }));
  return `<table class="pods"><thead><tr>${head.map((h, i) => `<th${WALL_COLUMNS.includes(i) ? ' class="wall"' : ''}>${escapeXml(h)}</th>`).join('')}</tr></thead><tbody>\n${rows.join('\n')}\n</tbody></table>`;
}

const names = (pods: PodResult[]) => pods.map((p) => p.name).join(', ');

/** One sentence: what the "off" run proved. */
export function offSentence(r: DemoResult): string {
  const quiet = r.runs.off.pods.filter((p) => p.role === 'quiet');
  const paged = quiet.filter((p) => p.evictions > 0 || p.reloads > 0);
  if (!r.problemReproduced) return `Limits off: no quiet tenant was paged, so this run did not show the problem and the "on" run proves nothing.`;
  const each = paged.map((p) => `${p.name} ${p.evictions} pages evicted, ${p.reloads} reloaded, modeled slowdown ${ratio(p.slowdown)}`).join('; ');
  return `Limits off: the problem reproduced — global reclaim paged the quiet tenants for the noisy neighbour's overrun (${each}).`;
}

/** One sentence: what the "on" run proved. */
export function onSentence(r: DemoResult): string {
  const quiet = r.runs.on.pods.filter((p) => p.role === 'quiet');
  const noisy = r.runs.on.pods.filter((p) => p.role === 'noisy');
  const clean = quiet.filter((p) => !p.error && !pagedAfterBuild(p) && p.slowdown !== null && p.slowdown <= r.scenario.slowdownBound);
  const held = noisy.filter((p) => !p.error && p.peakBytes <= p.requestBytes);
  if (clean.length === quiet.length && held.length === noisy.length && r.limitsBoundBeforeStart) {
    return `Limits on: ${names(quiet)} were not paged at all after their build (modeled slowdown ${quiet.map((p) => ratio(p.slowdown)).join(', ')}), while ${names(noisy)} was held at its request and paged only itself (${noisy.map((p) => `${p.evictions} evictions, peak ${mib(p.peakBytes)}Mi`).join('; ')}); every limit was bound before its container started.`;
  }
  return `Limits on: isolation did not hold — ${quiet.length - clean.length} of ${quiet.length} quiet tenants were paged, failed or slowed beyond ${r.scenario.slowdownBound}x, ${noisy.length - held.length} of ${noisy.length} noisy tenants were not held at their request${r.limitsBoundBeforeStart ? '' : ', and a limit was not bound before its container started'}.`;
}

/** Renders the whole report page. Pure. */
export function renderHtmlReport(r: DemoResult, opts: { generatedAt?: Date } = {}): string {
  const styles = podStyles(r.runs.on.pods.length ? r.runs.on.pods : r.runs.off.pods);
  const ok = r.failures.length === 0;
  const verdict = ok ? 'PASS: isolation holds.' : `FAIL: ${r.failures.map(escapeXml).join('; ')}`;
  const basis = `The verdict is based on the model's own time and counters, never on wall-clock latency: with limits on, quiet tenants must have 0 evictions and 0 reloads after their build and a modeled slowdown of at most ${r.scenario.slowdownBound}x, every limit must be bound before its container starts and the noisy tenant held at its request; with limits off, a quiet tenant must be paged.`;
  const noisy = r.runs.on.pods.filter((p) => p.role === 'noisy').map((p) => `${escapeXml(`${p.namespace}/${p.name}`)} requests ${mib(p.requestBytes)}Mi of EPC but keeps touching a working set of ${mib(p.workingSetBytes)}Mi (${(p.workingSetBytes / p.requestBytes).toFixed(1)}x its request).`).join(' ');
  const solo = r.solo.map((s) => `<tr><td>${escapeXml(`${s.namespace}/${s.name}`)}</td><td>${Math.round(s.modeledNsPerPage)}</td><td>${Math.round(s.p50AccessUs)}</td><td>${Math.round(s.p99AccessUs)}</td><td>${Math.round(s.meanAccessUs)}</td><td>${s.samples}</td><td>${s.error ? escapeXml(s.error) : ''}</td></tr>`).join('\n');
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
table.pods td,table.pods th,table.solo td,table.solo th{border:1px solid #ccc;padding:2px 5px;text-align:right;white-space:nowrap}
table.pods{font-size:12px}table.pods th{white-space:normal;vertical-align:bottom}
table.pods td:nth-child(-n+3),table.solo td:first-child{text-align:left}
table.pods .wall{color:#777}
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
<div class="verdict ${ok ? 'pass' : 'fail'}"><p><strong>${verdict}</strong> ${escapeXml(basis)}</p>
<p>${escapeXml(offSentence(r))}</p>
<p>${escapeXml(onSentence(r))}</p></div>
<p>${noisy}</p>
${r.notes.length ? `<ul>${r.notes.map((n) => `<li>${escapeXml(n)}</li>`).join('')}</ul>` : ''}
<h2>Per pod</h2>
${podTable(r, styles)}
<p>Evicted/reloaded: pages over the pod's life. Modeled ns/page: modeled time per page access after warm-up, ${r.scenario.pageAccessNs} ns per page (4,000 cycles at 3 GHz) plus the paging cost (40k cycles per eviction or reload) the model charged to the tenant's accesses. Slowdown: modeled ns/page in the run divided by the same tenant alone on an idle node without limits (measured the same way, after warm-up); quiet tenants must stay at or under ${r.scenario.slowdownBound}x with limits on. Grey columns are informational: the wall time of one access call's round trip through the enclave socket on this machine, after warm-up, which moves with CPU load whatever the limits do.</p>
<h2>Over time</h2>
${charts(r, styles)}
<h2>Baseline: each tenant alone on an idle node</h2>
<table class="solo"><thead><tr><th>pod</th><th>modeled ns/page</th><th>wall p50 µs</th><th>wall p99 µs</th><th>wall mean µs</th><th>samples</th><th>error</th></tr></thead><tbody>
${solo}
</tbody></table>
</body>
</html>
`;
}
