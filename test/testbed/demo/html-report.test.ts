import { describe, expect, it } from 'vitest';
import { formatDemoTable } from '../../../src/testbed/demo/format-table.js';
import { pagingRate, renderHtmlReport } from '../../../src/testbed/demo/html-report.js';
import { lineChart, niceCeil, tickCount } from '../../../src/testbed/demo/svg-chart.js';
import { judge } from '../../../src/testbed/demo/verdict.js';
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
        for (const metric of ['modeled', 'usage', 'paging', 'latency']) {
          const p = paths.filter((e) => e.attrs['data-run'] === run && e.attrs['data-pod'] === pod && e.attrs['data-metric'] === metric);
          expect(p, `${run} ${pod} ${metric}`).toHaveLength(1);
          expect(p[0].attrs.d).toMatch(/^M[\d.]+ [\d.]+( L[\d.]+ [\d.]+)+$/);
        }
      }
    }
    expect(findAll(doc, 'svg')).toHaveLength(8);
    // Text is escaped, not injected.
    expect(html).toContain('sample &lt;&amp;&gt; &quot;scenario&quot;');
    expect(html).toContain('PASS');
  });

  it('says what the verdict is based on, what each run proved, and the noisy tenant\'s request against its working set', () => {
    const html = renderHtmlReport(sampleResult());
    expect(html).toContain('The verdict is based on the model&#39;s own time and counters, never on wall-clock latency');
    expect(html).toMatch(/Limits off: the problem reproduced — global reclaim paged the quiet tenants .*quiet-a 3000 pages evicted, 2900 reloaded, modeled slowdown 6\.20x/);
    expect(html).toMatch(/Limits on: quiet-a, quiet-b were not paged at all after their build \(modeled slowdown 1\.00x, 1\.00x\), while noisy-c was held at its request/);
    expect(html).toContain('tenant-c/noisy-c requests 64Mi of EPC but keeps touching a working set of 192Mi (3.0x its request).');
  });

  it('says so per run when the problem did not show or isolation failed', () => {
    const r = sampleResult();
    r.problemReproduced = false;
    r.runs.on.pods[0].reloadsAfterBuild = 5;
    const html = renderHtmlReport(r);
    expect(html).toContain('Limits off: no quiet tenant was paged, so this run did not show the problem');
    expect(html).toContain('Limits on: isolation did not hold — 1 of 2 quiet tenants were paged');
  });

  it('tells overlapping quiet lines apart by dash pattern and marker, the same in every chart', () => {
    const doc = parseXml(renderHtmlReport(sampleResult()));
    const paths = findAll(doc, 'path').filter((e) => e.attrs['data-run'] === 'on' && e.attrs['data-metric'] === 'usage');
    const style = (pod: string) => paths.find((e) => e.attrs['data-pod'] === pod)!.attrs['stroke-dasharray'] ?? 'solid';
    expect(new Set(['tenant-a/quiet-a', 'tenant-b/quiet-b', 'tenant-c/noisy-c'].map(style)).size).toBe(3);
    expect(findAll(doc, 'circle').length).toBeGreaterThan(0);
    expect(findAll(doc, 'polygon').length).toBeGreaterThan(0);
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
  it('prints one row per pod and run, the informational wall columns apart, every latency in µs', () => {
    const text = formatDemoTable(sampleResult());
    const rows = text.split('\n').filter((l) => /^(off|on) /.test(l));
    expect(rows).toHaveLength(6);
    expect(rows[5]).toMatch(/^on\s+tenant-c\/noisy-c\s+noisy\s+64Mi\s+192Mi\s+64Mi\s+64Mi\s+900\s+40000\s+39000\s+1333\s+9\.50x\s+\|\s+100\s+200\s+110\s+1\.10x\s+yes$/);
    expect(text).not.toMatch(/\dms\b/);
    expect(text).toContain('problem reproduced: yes');
    expect(text).toContain('isolation holds: yes; every limit bound before start: yes');
  });

  it('prints a large p99 in µs too (no unit switch inside a column)', () => {
    const r = sampleResult();
    r.runs.on.pods[0].wallP99Us = 11_100;
    expect(formatDemoTable(r).split('\n').find((l) => l.startsWith('on   tenant-a'))).toMatch(/\s11100\s/);
  });

  it('passes the sample and fails each condition on its own line', () => {
    const r = sampleResult();
    expect(judge(r.runs, { slowdownBound: 1.05 })).toEqual({ isolationHolds: true, problemReproduced: true, limitsBoundBeforeStart: true, failures: [], notes: [] });
    r.runs.on.pods[0].reloadsAfterBuild = 3;
    r.runs.on.pods[1].slowdown = 1.2;
    r.runs.on.pods[2].limitBoundBeforeStart = false;
    r.runs.on.pods[2].peakBytes = 70 * 1024 * 1024;
    const v = judge(r.runs, { slowdownBound: 1.05 });
    expect(v.isolationHolds).toBe(false);
    expect(v.limitsBoundBeforeStart).toBe(false);
    expect(v.failures).toEqual([
      'tenant-a/quiet-a (quiet) was paged with limits on: 0 evictions and 3 reloads after its build',
      'tenant-b/quiet-b (quiet) modeled slowdown 1.20x with limits on, more than the bound 1.05x',
      'tenant-c/noisy-c (noisy) was not held at its request with limits on: peak 70Mi > request 64Mi',
      'tenant-c/noisy-c: its EPC limit was not bound before its container started (limit 67108864, request 67108864)',
    ]);
  });

  it('judges by modeled time: a quiet tenant slow in wall time but not paged passes', () => {
    const r = sampleResult();
    for (const p of r.runs.on.pods) if (p.role === 'quiet') Object.assign(p, { wallSlowdown: 5.6, meanAccessUs: 8500 });
    expect(judge(r.runs, { slowdownBound: 1.05 }).isolationHolds).toBe(true);
  });

  it('fails when the "off" run does not show the problem', () => {
    const r = sampleResult();
    for (const p of r.runs.off.pods) if (p.role === 'quiet') Object.assign(p, { evictions: 0, reloads: 0 });
    const v = judge(r.runs, { slowdownBound: 1.05 });
    expect(v.problemReproduced).toBe(false);
    expect(v.isolationHolds).toBe(false);
    expect(v.failures).toEqual([expect.stringMatching(/^the problem did not show with limits off: no quiet tenant was paged/)]);
    r.problemReproduced = false;
    expect(formatDemoTable({ ...r, ...v })).toContain('problem reproduced: NO');
  });
});
