/**
 * A small inline SVG line chart (no scripts, no external assets), well-formed XML so the HTML
 * report stays parseable. Pure: options in, markup out.
 */

/** One line on a chart; `data` becomes `data-*` attributes of its <path> (tests find series by them). */
export interface ChartSeries {
  label: string;
  color: string;
  points: ReadonlyArray<readonly [number, number]>;
  data?: Record<string, string>;
  /** SVG stroke-dasharray ("6 3"); solid when absent. Lines that may overlap get different ones. */
  dash?: string;
  /** A shape drawn at every point, so lines that lie on top of each other stay visible. */
  marker?: MarkerShape;
}

/** Point markers that tell overlapping lines apart. */
export type MarkerShape = 'circle' | 'square' | 'triangle' | 'diamond' | 'cross';
export const MARKER_SHAPES: readonly MarkerShape[] = ['circle', 'square', 'triangle', 'diamond', 'cross'];

/** One marker of `shape` centred on (x, y), stroked in `color`. */
function markerAt(shape: MarkerShape, x: number, y: number, color: string): string {
  const r = 2.6;
  const p = (pts: Array<[number, number]>) => `<polygon points="${pts.map(([a, b]) => `${(x + a).toFixed(1)},${(y + b).toFixed(1)}`).join(' ')}" fill="white" stroke="${color}" stroke-width="1.2"/>`;
  switch (shape) {
    case 'circle': return `<circle cx="${x.toFixed(1)}" cy="${y.toFixed(1)}" r="${r}" fill="white" stroke="${color}" stroke-width="1.2"/>`;
    case 'square': return p([[-r, -r], [r, -r], [r, r], [-r, r]]);
    case 'triangle': return p([[0, -r - 0.6], [r + 0.4, r], [-r - 0.4, r]]);
    case 'diamond': return p([[0, -r - 0.8], [r + 0.8, 0], [0, r + 0.8], [-r - 0.8, 0]]);
    case 'cross': return `<path d="M${(x - r).toFixed(1)} ${(y - r).toFixed(1)} L${(x + r).toFixed(1)} ${(y + r).toFixed(1)} M${(x - r).toFixed(1)} ${(y + r).toFixed(1)} L${(x + r).toFixed(1)} ${(y - r).toFixed(1)}" stroke="${color}" stroke-width="1.4"/>`;
  }
}

/** About this many markers per line (a marker on every point of a dense line would be a smear). */
const MARKER_TARGET = 14;

/** A horizontal reference line (node capacity, a request). */
export interface ChartMarker {
  y: number;
  label: string;
  color?: string;
}

export interface LineChartOptions {
  title: string;
  xLabel: string;
  yLabel: string;
  /** Axis ranges start at 0; maxima are rounded up to a nice value. Share them across charts to compare. */
  xMax: number;
  yMax: number;
  series: ChartSeries[];
  markers?: ChartMarker[];
  width?: number;
  height?: number;
}

const PAD = { left: 56, right: 12, top: 42, bottom: 40 };

/** Escapes text for XML content and attribute values. */
export function escapeXml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] ?? c);
}

/** The smallest of 1, 1.2, 1.5, 2, 2.5, 3, 4, 5, 6, 8 x 10^k that is >= v (and > 0): 256 -> 300. */
export function niceCeil(v: number): number {
  if (!(v > 0) || !Number.isFinite(v)) return 1;
  const p = 10 ** Math.floor(Math.log10(v));
  for (const m of [1, 1.2, 1.5, 2, 2.5, 3, 4, 5, 6, 8, 10]) if (m * p >= v - 1e-9 * p) return m * p;
  return 10 * p;
}

/** How many intervals to split [0, max] into so every tick is a round number (15 -> 5, 300 -> 4). */
export function tickCount(max: number): number {
  for (const n of [4, 5, 3, 6, 2]) {
    const step = max / n;
    const mant = step / 10 ** Math.floor(Math.log10(step));
    if (Number.isInteger(Math.round(step * 1e9) / 1e9) || [1, 2, 2.5, 5].some((m) => Math.abs(mant - m) < 1e-9)) return n;
  }
  return 4;
}

function fmt(n: number): string {
  return Number.isInteger(n) ? String(n) : String(Math.round(n * 100) / 100);
}

function attrs(data: Record<string, string> | undefined): string {
  return Object.entries(data ?? {}).map(([k, v]) => ` data-${k}="${escapeXml(v)}"`).join('');
}

/** Renders the chart as an `<svg>` element string. Points outside the ranges are clamped. */
export function lineChart(o: LineChartOptions): string {
  const w = o.width ?? 480;
  const h = o.height ?? 240;
  const xMax = niceCeil(o.xMax);
  const yMax = niceCeil(o.yMax);
  const pw = w - PAD.left - PAD.right;
  const ph = h - PAD.top - PAD.bottom;
  const X = (x: number) => PAD.left + (Math.min(Math.max(x, 0), xMax) / xMax) * pw;
  const Y = (y: number) => PAD.top + ph - (Math.min(Math.max(y, 0), yMax) / yMax) * ph;
  const out: string[] = [];
  out.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${w}" height="${h}" viewBox="0 0 ${w} ${h}" role="img" aria-label="${escapeXml(o.title)}">`);
  out.push(`<title>${escapeXml(o.title)}</title>`);
  out.push(`<text x="${w / 2}" y="16" text-anchor="middle" class="t">${escapeXml(o.title)}</text>`);
  const yTicks = tickCount(yMax);
  const xTicks = tickCount(xMax);
  for (let i = 0; i <= yTicks; i++) {
    const yv = (yMax * i) / yTicks;
    out.push(`<line x1="${PAD.left}" x2="${w - PAD.right}" y1="${Y(yv).toFixed(1)}" y2="${Y(yv).toFixed(1)}" class="g"/>`);
    out.push(`<text x="${PAD.left - 4}" y="${(Y(yv) + 4).toFixed(1)}" text-anchor="end" class="a">${fmt(yv)}</text>`);
  }
  for (let i = 0; i <= xTicks; i++) {
    const xv = (xMax * i) / xTicks;
    out.push(`<text x="${X(xv).toFixed(1)}" y="${h - PAD.bottom + 14}" text-anchor="middle" class="a">${fmt(xv)}</text>`);
  }
  out.push(`<line x1="${PAD.left}" x2="${PAD.left}" y1="${PAD.top}" y2="${PAD.top + ph}" class="ax"/>`);
  out.push(`<line x1="${PAD.left}" x2="${w - PAD.right}" y1="${PAD.top + ph}" y2="${PAD.top + ph}" class="ax"/>`);
  out.push(`<text x="${PAD.left + pw / 2}" y="${h - 6}" text-anchor="middle" class="a">${escapeXml(o.xLabel)}</text>`);
  out.push(`<text x="12" y="${PAD.top + ph / 2}" text-anchor="middle" class="a" transform="rotate(-90 12 ${PAD.top + ph / 2})">${escapeXml(o.yLabel)}</text>`);
  for (const m of o.markers ?? []) {
    const y = Y(m.y).toFixed(1);
    out.push(`<line x1="${PAD.left}" x2="${w - PAD.right}" y1="${y}" y2="${y}" stroke="${m.color ?? '#888'}" stroke-dasharray="2 3" class="m"/>`);
    out.push(`<text x="${w - PAD.right - 2}" y="${(Number(y) - 3).toFixed(1)}" text-anchor="end" class="a">${escapeXml(m.label)}</text>`);
  }
  for (const s of o.series) {
    if (s.points.length === 0) continue;
    const d = s.points.map(([x, y], i) => `${i === 0 ? 'M' : 'L'}${X(x).toFixed(1)} ${Y(y).toFixed(1)}`).join(' ');
    out.push(`<path d="${d}" fill="none" stroke="${s.color}" stroke-width="1.6"${s.dash ? ` stroke-dasharray="${s.dash}"` : ''}${attrs(s.data)}><title>${escapeXml(s.label)}</title></path>`);
  }
  o.series.forEach((s, si) => {
    if (!s.marker || s.points.length === 0) return;
    // Markers of different lines are offset along the line so coinciding lines show each shape.
    const every = Math.max(1, Math.ceil(s.points.length / MARKER_TARGET));
    const shift = Math.floor((si * every) / Math.max(1, o.series.length));
    for (let i = shift % every; i < s.points.length; i += every) out.push(markerAt(s.marker, X(s.points[i][0]), Y(s.points[i][1]), s.color));
  });
  // Legend: one row between the title and the plot, entries spread evenly.
  const slot = pw / Math.max(1, o.series.length);
  o.series.forEach((s, i) => {
    const x = PAD.left + i * slot;
    out.push(`<line x1="${x.toFixed(1)}" x2="${(x + 18).toFixed(1)}" y1="27" y2="27" stroke="${s.color}" stroke-width="2"${s.dash ? ` stroke-dasharray="${s.dash}"` : ''}/>`);
    if (s.marker) out.push(markerAt(s.marker, x + 9, 27, s.color));
    out.push(`<text x="${(x + 22).toFixed(1)}" y="31" class="l">${escapeXml(s.label)}</text>`);
  });
  out.push('</svg>');
  return out.join('\n');
}
