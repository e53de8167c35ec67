/**
 * The 8 conformance scenarios of docs/epc-model.md, each run through the library and through
 * `epc simulate --json` as a real child process (all children started at once in beforeAll).
 */
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadScenarioFile, runScenario, type ScenarioReport } from '../../src/simulate/index.js';
import { packageRoot } from '../../src/util/package-root.js';
import { runCli, type CliResult } from '../helpers/run-cli.js';
import { CONFORMANCE, type ConformanceCase } from './conformance-expectations.js';

const SCENARIOS = join(packageRoot(), 'test/scenarios');

function expectConformance(report: ScenarioReport, c: ConformanceCase): void {
  expect(report.steps).toEqual(c.steps);
  expect(report.cgroups['/A']).toMatchObject(c.a);
  expect(Object.keys(report.cgroups)).toEqual(['/', '/A']);
  // Root sees the whole tree: same usage as /A, the only child.
  expect(report.cgroups['/'].current).toBe(c.a.current);
  expect(report.epc.capacity).toBe(1024);
  expect(report.epc.free).toBe(1024 - report.cgroups['/'].current);
  if (c.epc) expect(report.epc).toMatchObject(c.epc);
}

describe('conformance scenarios through the library', () => {
  it.each(CONFORMANCE.map((c) => [c.name, c] as const))('%s', async (_name, c) => {
    const scenario = await loadScenarioFile(join(SCENARIOS, c.file));
    expect(scenario).toMatchObject({ capacityPages: 1024, workers: 'manual', ksgxd: 'manual' });
    expectConformance(runScenario(scenario), c);
  });
});

describe('conformance scenarios through `epc simulate --json` (child processes)', () => {
  const results = new Map<string, CliResult>();
  beforeAll(async () => {
    const runs = await Promise.all(CONFORMANCE.map((c) => runCli(['simulate', join(SCENARIOS, c.file), '--json'])));
    CONFORMANCE.forEach((c, i) => results.set(c.file, runs[i]));
  });

  it.each(CONFORMANCE.map((c) => [c.name, c] as const))('%s', (_name, c) => {
    const r = results.get(c.file)!;
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const report = JSON.parse(r.stdout) as ScenarioReport;
    expect(Object.keys(report)).toEqual(['steps', 'cgroups', 'epc']);
    expectConformance(report, c);
  });
});
