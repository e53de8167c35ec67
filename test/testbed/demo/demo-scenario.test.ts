import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_SCENARIO_DOC, defaultScenario } from '../../../src/testbed/demo/default-scenario.js';
import { fieldPath, ScenarioError, validateScenario } from '../../../src/testbed/demo/demo-scenario.js';
import { loadScenarioFile, parseScenarioText } from '../../../src/testbed/demo/load-scenario.js';

const Mi = 1024 * 1024;
const base = () => structuredClone(DEFAULT_SCENARIO_DOC) as unknown as Record<string, any>;

describe('default scenario', () => {
  it('is a 256Mi node with two quiet tenants and one noisy tenant using 3x its request', () => {
    const s = defaultScenario();
    expect(s.node.epcBytes).toBe(256 * Mi);
    expect(s.tenants.map((t) => t.role)).toEqual(['quiet', 'quiet', 'noisy']);
    const noisy = s.tenants.find((t) => t.role === 'noisy')!;
    expect(noisy.workingSetBytes / noisy.requestBytes).toBe(3);
    // Without limits the working sets overflow the node; with limits everything fits.
    const ws = s.tenants.reduce((a, t) => a + t.workingSetBytes, 0);
    expect(ws).toBeGreaterThan(s.node.epcBytes);
    const capped = s.tenants.reduce((a, t) => a + Math.min(t.enclaveBytes, t.requestBytes), 0);
    expect(capped).toBeLessThan(s.node.epcBytes);
    for (const t of s.tenants.filter((x) => x.role === 'quiet')) expect(t.enclaveBytes).toBeLessThanOrEqual(t.requestBytes);
  });

  it('matches the example file test/scenarios/demo/default.yaml', async () => {
    const s = await loadScenarioFile(join(import.meta.dirname, '../../scenarios/demo/default.yaml'));
    expect(s).toEqual(defaultScenario());
  });

  it('judges quiet tenants against a modeled slowdown bound of 1.05x (the default of any scenario too)', () => {
    expect(defaultScenario().slowdownBound).toBe(1.05);
    const { slowdownBound: _, ...doc } = base();
    expect(validateScenario(doc).slowdownBound).toBe(1.05);
  });
});

describe('validateScenario', () => {
  it('fills defaults and derives roles from working set vs request', () => {
    const s = validateScenario({
      node: { epc: '128Mi' },
      tenants: [
        { namespace: 'a', pod: 'p', request: '32Mi', enclaveSize: '16Mi', workingSet: '8Mi' },
        { namespace: 'b', pod: 'p', request: 33554432, enclaveSize: '64Mi', workingSet: '48Mi' },
      ],
    });
    expect(s.tenants.map((t) => t.role)).toEqual(['quiet', 'noisy']);
    expect(s.tenants[1].requestBytes).toBe(32 * Mi);
    expect(s).toMatchObject({ name: 'demo', durationSeconds: 10, slowdownBound: 1.05, node: { name: 'sgx-node-1', costScale: 1 } });
    expect(s.tenants[0]).toMatchObject({ pattern: 'sequential', rate: 200, batch: 64 });
  });

  const cases: Array<{ name: string; edit: (d: Record<string, any>) => void; field: string; msg: RegExp }> = [
    { name: 'missing node', edit: (d) => delete d.node, field: 'node', msg: /./ },
    { name: 'bad epc quantity', edit: (d) => (d.node.epc = '256MB'), field: 'node.epc', msg: /invalid quantity "256MB"/ },
    { name: 'epc not page-aligned', edit: (d) => (d.node.epc = '1000'), field: 'node.epc', msg: /4096/ },
    { name: 'unknown top-level field', edit: (d) => (d.tenantz = []), field: '', msg: /tenantz/ },
    { name: 'unknown tenant field', edit: (d) => (d.tenants[1].workset = '1Mi'), field: 'tenants[1]', msg: /workset/ },
    { name: 'bad namespace', edit: (d) => (d.tenants[0].namespace = 'Tenant_A'), field: 'tenants[0].namespace', msg: /DNS label/ },
    { name: 'bad role', edit: (d) => (d.tenants[2].role = 'loud'), field: 'tenants[2].role', msg: /./ },
    { name: 'bad pattern', edit: (d) => (d.tenants[0].pattern = 'zigzag'), field: 'tenants[0].pattern', msg: /./ },
    { name: 'negative rate', edit: (d) => (d.tenants[0].rate = -1), field: 'tenants[0].rate', msg: /./ },
    { name: 'string rate', edit: (d) => (d.tenants[0].rate = 'fast'), field: 'tenants[0].rate', msg: /./ },
    { name: 'working set above enclave', edit: (d) => (d.tenants[1].workingSet = '60Mi'), field: 'tenants[1].workingSet', msg: /must not exceed enclaveSize/ },
    { name: 'request of zero', edit: (d) => (d.tenants[0].request = '0'), field: 'tenants[0].request', msg: /at least one page/ },
    { name: 'duplicate pod', edit: (d) => (d.tenants[1] = { ...d.tenants[0] }), field: 'tenants[1].pod', msg: /duplicate pod tenant-a\/quiet-a/ },
    { name: 'requests above node', edit: (d) => (d.node.epc = '128Mi'), field: 'tenants', msg: /more than node.epc/ },
    { name: 'no quiet tenant', edit: (d) => (d.tenants = [d.tenants[2]]), field: 'tenants', msg: /at least one tenant must be quiet/ },
    { name: 'no tenants', edit: (d) => (d.tenants = []), field: 'tenants', msg: /./ },
    { name: 'too many tenants', edit: (d) => (d.tenants = Array.from({ length: 9 }, (_, i) => ({ ...d.tenants[0], pod: `p${i}`, request: '1Mi' }))), field: 'tenants', msg: /./ },
    { name: 'duration too short', edit: (d) => (d.durationSeconds = 0), field: 'durationSeconds', msg: /./ },
    { name: 'slowdown bound below 1', edit: (d) => (d.slowdownBound = 0.5), field: 'slowdownBound', msg: /./ },
  ];
  for (const c of cases) {
    it(`rejects ${c.name}, naming ${c.field || 'the document'}`, () => {
      const d = base();
      c.edit(d);
      let err: unknown;
      try {
        validateScenario(d);
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(ScenarioError);
      expect((err as ScenarioError).field).toBe(c.field);
      expect((err as ScenarioError).message).toMatch(c.msg);
    });
  }

  it('formats zod paths', () => {
    expect(fieldPath(['tenants', 2, 'workingSet'])).toBe('tenants[2].workingSet');
    expect(fieldPath([])).toBe('');
  });
});

describe('scenario files', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'epc-demo-scenario-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('reads JSON and YAML alike', async () => {
    const f = join(dir, 's.json');
    await writeFile(f, JSON.stringify(DEFAULT_SCENARIO_DOC));
    expect(await loadScenarioFile(f)).toEqual(defaultScenario());
  });

  it.each([
    ['not YAML', 'node: [unclosed', /not valid YAML or JSON/],
    ['a list', '- 1\n- 2\n', /must be a mapping/],
    ['empty', '', /must be a mapping/],
  ])('rejects %s', (_n, text, msg) => {
    expect(() => parseScenarioText(text)).toThrow(msg);
  });

  it('says so when given a simulation file of `epc simulate` (by its shape)', async () => {
    await expect(loadScenarioFile(join(import.meta.dirname, '../../scenarios/examples/no-limits.yaml'))).rejects.toThrow(
      'this is a simulation file (capacity, cgroups, steps) for `epc simulate FILE`, not a demo scenario (node, tenants) for `epc demo --scenario`');
  });

  it('names a missing file', async () => {
    await expect(loadScenarioFile(join(dir, 'nope.yaml'))).rejects.toThrow(/cannot read .*nope.yaml: no such file/);
  });
});
