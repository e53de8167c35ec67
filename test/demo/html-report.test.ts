import { describe, expect, it } from 'vitest';
import { formatDemoTable } from '../../src/demo/format-table.js';
import { pagingRate, renderHtmlReport } from '../../src/demo/html-report.js';
import { lineChart, niceCeil, tickCount } from '../../src/demo/svg-chart.js';
import { judge } from '../../src/demo/verdict.js';
import { sampleResult } from './sample-result.js';
import { findAll, parseXml } from './xml-check.js';

describe('HTML report', () => {
  it('is well-formed, self-contained and holds every pod series of both runs', () => {
    const html = renderHtmlReport(sampleResult(), { generatedAt: new Date(0) });
    const doc = parseXml(html);
    expect(doc.name).toBe('html');
    expect(html).not.toMatch(/<script|<link|src="http|href="http|url\(/);
    const paths = findAll(doc, 'path');
    for (const run of ['off', 'on']) {
      for (const pod of ['tenant-a/quiet-a', 'tenant-b/quiet-b', 'tenant-c/noisy-c']) {
        for (const metric of ['usage', 'paging', 'latency']) {
          const p = paths.filter((e) => e.attrs['data-run'] === run && e.attrs['data-pod'] === pod && e.attrs['data-metric'] === metric);
          expect(p, `${run} ${pod} ${metric}`).toHaveLength(1);
          expect(p[0].attrs.d).toMatch(/^M[\d.]+ [\d.]+( L[\d.]+ [\d.]+)+$/);
        }
      }
    }
    expect(findAll(doc, 'svg')).toHaveLength(6);
    // Text is escaped, not injected.
    expect(html).toContain('sample &lt;&amp;&gt; &quot;scenario&quot;');
    expect(html).toContain('PASS');
  });

  it('shows the failures when the demo failed', () => {
    const r = sampleResult();
    r.failures = ['tenant-a/quiet-a (quiet) was paged <badly>'];
    const html = renderHtmlReport(r);
    parseXml(html);
    expect(html).toContain('FAIL: tenant-a/quiet-a (quiet) was paged &lt;badly&gt;');
  });

  it('catches malformed markup (the checker itself can fail)', () => {
    expect(() => parseXml('<a><b></a></b>')).toThrow(/does not match/);
    expect(() => parseXml('<a x=1></a>')).toThrow(/bad attribute/);
    expect(() => parseXml('<a>&nbsp;</a>')).toThrow(/bad entity/);
    expect(() => parseXml('<a><b></b>')).toThrow(/unclosed/);
  });
});

describe('charts', () => {
  it('paging rate is pages per second between samples', () => {
    expect(pagingRate([{ t: 0, currentBytes: 0, evicted: 0, reloaded: 0 }, { t: 0.5, currentBytes: 0, evicted: 10, reloaded: 40 }, { t: 1, currentBytes: 0, evicted: 10, reloaded: 40 }]))
      .toEqual([[0.5, 100], [1, 0]]);
  });

  it.each([[0, 1], [0.7, 0.8], [3, 3], [256, 300], [1000, 1000], [1234, 1500], [24, 25], [7, 8]])('niceCeil(%d) = %d', (v, want) => {
    expect(niceCeil(v)).toBe(want);
  });

  it.each([[15, 5], [300, 4], [40000, 4], [5, 5], [1.2, 6], [3, 3], [8, 4]])('tickCount(%d) = %d', (max, n) => {
    expect(tickCount(max)).toBe(n);
  });

  it('scales points into the plot area and clamps outliers', () => {
    const svg = lineChart({ title: 't', xLabel: 'x', yLabel: 'y', xMax: 10, yMax: 100, series: [{ label: 's', color: '#000', points: [[0, 0], [10, 100], [20, 500]], data: { k: 'v' } }], width: 168, height: 168 });
    const path = findAll(parseXml(svg), 'path')[0];
    // plot area: x 56..156, y 42..128
    expect(path.attrs.d).toBe('M56.0 128.0 L156.0 42.0 L156.0 42.0');
    expect(path.attrs['data-k']).toBe('v');
  });
});

describe('text table and verdict', () => {
  it('prints one row per pod and run with the verdict', () => {
    const text = formatDemoTable(sampleResult());
    const rows = text.split('\n').filter((l) => /^(off|on) /.test(l));
    expect(rows).toHaveLength(6);
    expect(rows[5]).toMatch(/^on\s+tenant-c\/noisy-c\s+noisy\s+64Mi\s+64Mi\s+64Mi\s+900\s+40000\s+39000\s+100\s+200\s+110\s+9\.50x\s+yes$/);
    expect(text).toContain('isolation holds: yes; every limit bound before start: yes');
  });

  it('fails a quiet tenant that pages or slows down with limits on, and an unbound limit', () => {
    const r = sampleResult();
    expect(judge(r.runs, { slowdownBound: 2 })).toEqual({ isolationHolds: true, limitsBoundBeforeStart: true, failures: [], notes: [] });
    r.runs.on.pods[0].reloadsAfterWarmup = 3;
    r.runs.on.pods[1].slowdown = 2.5;
    r.runs.on.pods[2].limitBoundBeforeStart = false;
    const v = judge(r.runs, { slowdownBound: 2 });
    expect(v.isolationHolds).toBe(false);
    expect(v.limitsBoundBeforeStart).toBe(false);
    expect(v.failures).toEqual([
      'tenant-a/quiet-a (quiet) was paged with enforcement on: 0 evictions and 3 reloads after warm-up',
      'tenant-b/quiet-b (quiet) slowed down 2.5x with enforcement on, more than the bound 2x',
      'tenant-c/noisy-c: its EPC limit was not bound before its container started (limit 67108864, request 67108864)',
    ]);
  });

  it('notes when the "off" run does not show the problem', () => {
    const r = sampleResult();
    for (const p of r.runs.off.pods) if (p.role === 'quiet') Object.assign(p, { evictions: 0, reloads: 0 });
    expect(judge(r.runs, { slowdownBound: 2 }).notes[0]).toMatch(/did not reproduce the problem/);
  });
});
