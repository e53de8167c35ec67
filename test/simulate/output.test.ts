/**
 * What `epc simulate` prints: the --json shape (exact keys, no model-internal fields), the human
 * tables with the key figures, accepted value forms, and the example what-if scenarios.
 */
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  formatReportJson,
  formatReportTable,
  loadScenarioFile,
  parseScenario,
  runScenario,
  type ScenarioReport,
} from '../../src/simulate/index.js';
import { packageRoot } from '../../src/util/package-root.js';
import { runCli } from '../helpers/run-cli.js';

const SCENARIOS = join(packageRoot(), 'test/scenarios');
const EXAMPLES = join(SCENARIOS, 'examples');
const STEP_KEYS = new Set(['op', 'result', 'done', 'value']);
const CGROUP_KEYS = ['max', 'current', 'peak', 'events', 'eventsLocal', 'evicted', 'reloaded'];
const EPC_KEYS = ['capacity', 'free', 'evicted', 'reloaded', 'simulatedNs'];

function expectDocShape(report: ScenarioReport): void {
  expect(Object.keys(report)).toEqual(['steps', 'cgroups', 'epc']);
  for (const s of report.steps) {
    for (const k of Object.keys(s)) expect(STEP_KEYS.has(k), `step key ${k}`).toBe(true);
    expect(Object.keys(s).slice(0, 2)).toEqual(['op', 'result']);
  }
  for (const c of Object.values(report.cgroups)) expect(Object.keys(c)).toEqual(CGROUP_KEYS);
  expect(Object.keys(report.epc)).toEqual(EPC_KEYS);
}

describe('--json', () => {
  it('is the documented shape: no per-step cost, cgroups in creation order, one JSON document', async () => {
    const scenario = parseScenario(
      'capacity: 4Mi\nworkers: manual\nksgxd: manual\ncgroups:\n  - {path: /P}\n  - {path: /P/Q, max: 256Ki}\n  - {path: /A}\n' +
        'steps:\n  - {op: create, enclave: b, cgroup: /P/Q, bare: true}\n  - {op: add, enclave: b, pages: 80}\n  - {op: read, cgroup: /P/Q, file: misc.events}\n',
    );
    const report = runScenario(scenario);
    expectDocShape(report);
    expect(Object.keys(report.cgroups)).toEqual(['/', '/P', '/P/Q', '/A']);
    expect(report.cgroups['/P/Q'].max).toBe('262144');
    expect(report.cgroups['/P'].max).toBe('max');
    // The text is exactly the report (nothing lost or added by the one-line-per-entry layout).
    const text = formatReportJson(report);
    expect(text.endsWith('}\n')).toBe(true);
    expect(JSON.parse(text)).toEqual(report);
    expect(text).not.toContain('cost');
  });

  it('an empty step list and no cgroups still print valid JSON', () => {
    const report = runScenario(parseScenario('capacity: 16\n'));
    expect(JSON.parse(formatReportJson(report))).toEqual({
      steps: [],
      cgroups: { '/': { max: 'max', current: 0, peak: 0, events: 0, eventsLocal: 0, evicted: 0, reloaded: 0 } },
      epc: { capacity: 16, free: 16, evicted: 0, reloaded: 0, simulatedNs: 0 },
    });
  });

  it('costs turn evictions into simulated time (evictCycles / ghz per page)', () => {
    const text = (costs: string) =>
      `capacity: 1024\nworkers: manual\nksgxd: manual\ncosts: ${costs}\ncgroups:\n  - {path: /A, max: 16}\n` +
      'steps:\n  - {op: create, enclave: b, cgroup: /A, bare: true}\n  - {op: add, enclave: b, pages: 17}\n';
    const r = runScenario(parseScenario(text('{evictCycles: 30000, reloadCycles: 0, einitCycles: 0, ghz: 3}')));
    expect(r.epc.evicted).toBe(16);
    expect(r.epc.simulatedNs).toBe(16 * 10_000);
    const slower = runScenario(parseScenario(text('{evictCycles: 60000, reloadCycles: 0, einitCycles: 0, ghz: 3}')));
    expect(slower.epc.simulatedNs).toBe(2 * r.epc.simulatedNs);
  });
});

describe('accepted value forms', () => {
  it.each([
    ['capacity in pages', 'capacity: 1024', 1024],
    ['capacity in Mi', 'capacity: 4Mi', 1024],
    ['capacity in Ki', 'capacity: 4096Ki', 1024],
    ['capacity in Gi', 'capacity: 1Gi', 262144],
    ['capacity as a digit string (pages)', 'capacity: "64"', 64],
  ])('%s', (_name, line, pages) => {
    expect(parseScenario(`${line}\n`).capacityPages).toBe(pages);
  });

  it.each([
    ['pages', '64', 64n * 4096n],
    ['Ki bytes', '256Ki', 262144n],
    ['bytes that are not whole pages (the kernel floors them)', '10001Ki', 10001n * 1024n],
    ['max', 'max', undefined],
    ['zero', '0', 0n],
  ])('max as %s', (_name, value, bytes) => {
    const s = parseScenario(`capacity: 1024\ncgroups:\n  - {path: /A, max: ${value}}\n`);
    expect(s.cgroups[0].maxBytes).toBe(bytes);
    const report = runScenario(s);
    expect(report.cgroups['/A'].max).toBe(bytes === undefined ? 'max' : String(bytes));
  });

  it('workers and ksgxd default to auto; every op of the doc plus mkdir/rmdir parses', () => {
    const s = parseScenario(
      'capacity: 1024\ncgroups:\n  - {path: /A}\n  - {path: /B}\nsteps:\n' +
        [
          '{op: mkdir, cgroup: /A/C}',
          '{op: create, enclave: e1, cgroup: /A, from: /B}',
          '{op: create, enclave: b1, cgroup: /A, bare: true}',
          '{op: add, enclave: e1, pages: 40, from: /A/C}',
          '{op: init, enclave: e1}',
          '{op: aug, enclave: e1, pages: 4}',
          '{op: access, enclave: e1, range: [0, 39]}',
          '{op: write, cgroup: /A, file: misc.max, value: "sgx_epc 10000"}',
          '{op: read, cgroup: /A, file: misc.events}',
          '{op: drain}',
          '{op: ksgxd}',
          '{op: destroy, enclave: e1}',
          '{op: rmdir, cgroup: /A/C}',
        ]
          .map((l) => `  - ${l}\n`)
          .join(''),
    );
    expect(s.workers).toBe('auto');
    expect(s.ksgxd).toBe('auto');
    expect(s.steps.map((st) => st.op)).toEqual(['mkdir', 'create', 'create', 'add', 'init', 'aug', 'access', 'write', 'read', 'drain', 'ksgxd', 'destroy', 'rmdir']);
    expect(s.steps[1]).toEqual({ op: 'create', enclave: 'e1', cgroup: '/A', from: '/B' });
    const report = runScenario(s);
    expect(report.steps.map((r) => r.result)).toEqual(['ok', 'ok', 'ok', 'ok', 'ok', 'ok', 'ok', 'ok', 'ok', 'ok', 'ok', 'ok', 'ok']);
    // The adds from /A/C were charged there (the allocating task's cgroup), then freed by destroy.
    expect(report.cgroups['/A/C']).toBeUndefined();
    expect(report.cgroups['/B'].peak).toBe(2); // ECREATE from /B: VA + SECS
  });

  it('`steps:` and `cgroups:` left empty (YAML null) mean none', () => {
    const s = parseScenario('capacity: 1024\ncgroups:\nsteps:\n');
    expect(s.cgroups).toEqual([]);
    expect(s.steps).toEqual([]);
  });

  it('JSON input works too (JSON is YAML)', () => {
    const s = parseScenario('{"capacity": "8Mi", "steps": [{"op": "drain"}]}');
    expect(s.capacityPages).toBe(2048);
    expect(s.steps).toEqual([{ op: 'drain' }]);
  });
});

describe('human output', () => {
  it('the table has every step with its result/done/value, the cgroups and the EPC totals', async () => {
    const scenario = await loadScenarioFile(join(SCENARIOS, 'conformance-5-lower-max-below-usage.yaml'));
    const text = formatReportTable(runScenario(scenario), scenario);
    expect(text).toContain('EPC 1024 pages (4 MiB), async workers manual, ksgxd manual');
    expect(text).toMatch(/^\s+1\s+add\s+b1 \+100\s+ok\s+100$/m);
    expect(text).toMatch(/^\s+2\s+write\s+\/A misc\.max <- "sgx_epc 204800"\s+ok$/m);
    expect(text).toMatch(/^\s+8\s+read\s+\/A misc\.events\s+ok\s+sgx_epc\.max 4$/m);
    expect(text).toMatch(/^\s+cgroup\s+max\s+current\s+peak\s+events\s+events\.local\s+evicted\s+reloaded$/m);
    expect(text).toMatch(/^\s+\/A\s+204800 \(50 pages\)\s+37\s+100\s+4\s+4\s+64\s+0$/m);
    expect(text).toContain('EPC: capacity 1024 pages, free 987, in use 37, evicted 64, reloaded 0');
    // 64 evictions x 40000 cycles / 3 GHz (the default costs) = 0.853 ms.
    expect(text).toContain('Simulated paging time: 0.853 ms');
  });

  it('`epc simulate FILE` (child process) prints the tables with the key figures', async () => {
    const r = await runCli(['simulate', join(EXAMPLES, 'noisy-neighbour.yaml')]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('Noisy neighbour WITH per-pod limits');
    expect(r.stdout).toContain('EPC 4096 pages (16 MiB), async workers auto, ksgxd auto');
    expect(r.stdout).toMatch(/^\s+4\s+add\s+b \+3584\s+ok\s+3584$/m);
    expect(r.stdout).toMatch(/^\s+\/kubepods\/pod-a\s+6291456 \(1536 pages\)\s+1028\s+1028\s+0\s+0\s+0\s+0$/m);
    expect(r.stdout).toMatch(/^EPC: capacity 4096 pages, free \d+, in use \d+, evicted \d+, reloaded \d+$/m);
    expect(r.stdout).toMatch(/^Simulated paging time: \d+\.\d{3} ms$/m);
  });
});

describe('example what-if scenarios', () => {
  it('every example file parses and runs', async () => {
    const files = (await readdir(EXAMPLES)).filter((f) => f.endsWith('.yaml'));
    expect(files.length).toBeGreaterThanOrEqual(2);
    for (const f of files) expectDocShape(runScenario(await loadScenarioFile(join(EXAMPLES, f))));
  });

  it('with limits the quiet tenant keeps every page; the noisy one pays for its overrun', async () => {
    const r = runScenario(await loadScenarioFile(join(EXAMPLES, 'noisy-neighbour.yaml')));
    const a = r.cgroups['/kubepods/pod-a'];
    const b = r.cgroups['/kubepods/pod-b'];
    expect(a).toMatchObject({ current: 1028, evicted: 0, reloaded: 0, events: 0 });
    expect(b.evicted).toBeGreaterThan(0);
    expect(b.events).toBeGreaterThan(0);
    expect(b.peak).toBeLessThanOrEqual(1536);
    for (const i of [6, 9, 11]) expect(r.steps[i]).toEqual({ op: 'access', result: 'ok', done: 1024 });
  });

  it('without limits global reclaim takes the quiet tenant\'s pages too', async () => {
    const r = runScenario(await loadScenarioFile(join(EXAMPLES, 'no-limits.yaml')));
    const a = r.cgroups['/kubepods/pod-a'];
    expect(a.max).toBe('max');
    expect(a.evicted).toBeGreaterThan(0);
    expect(a.reloaded).toBeGreaterThan(0);
  });
});
