/**
 * `epc demo` as a real child process, end to end: webhook, API server double, kubelet emulator,
 * epc controller, epc agent and one epc workload per tenant, in the short mode (--duration 3),
 * on the built-in scenario. The verdict is judged in modeled time (paging counters and the
 * paging cost the model charged), so the test asserts it without asserting any timing; wall
 * latency figures are checked only for their presence.
 */
import { execFileSync } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DemoResult } from '../../../src/testbed/demo/demo-results.js';
import { runCli, spawnCli, type CliResult } from '../../helpers/run-cli.js';
import { findAll, parseXml } from './xml-check.js';

const ROLES = { 'tenant-a/quiet-a': 'quiet', 'tenant-b/quiet-b': 'quiet', 'tenant-c/noisy-c': 'noisy' };

/**
 * Each demo under test gets its own TMPDIR (`root`), so the checks below see only that demo's
 * temp dirs and children, never those of another demo running on the same machine.
 */
async function demoTempDirs(root: string): Promise<string[]> {
  return (await readdir(root)).filter((d) => d.startsWith('epc-demo-')).sort();
}

/** Processes whose command line names one of the demo's temp dirs under `root` (its children). */
function demoProcesses(root: string): string[] {
  const out = execFileSync('ps', ['-eo', 'pid,args'], { encoding: 'utf8' });
  return out.split('\n').filter((l) => l.includes(`${root}/epc-demo-`) && !l.includes('ps -eo'));
}

/** A short private TMPDIR for one demo run (unix socket paths must stay under 108 bytes). */
function privateTmp(): Promise<string> {
  return mkdtemp(join(tmpdir(), 'edt-'));
}

describe('epc demo --duration 3 --json (built-in scenario)', () => {
  let dir: string;
  let res: CliResult;
  let result: DemoResult;
  let before: string[];
  let root: string;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'epc-demo-test-'));
    root = await privateTmp();
    before = await demoTempDirs(root);
    res = await runCli(['demo', '--duration', '3', '--json', '--report', join(dir, 'report.html')], {
      timeoutMs: 300_000,
      env: { ...process.env, TMPDIR: root },
    });
    try {
      result = JSON.parse(res.stdout) as DemoResult;
    } catch {
      throw new Error(`no JSON on stdout (exit ${res.code}); stderr:\n${res.stderr}`);
    }
  }, 310_000);

  afterAll(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
    if (root) await rm(root, { recursive: true, force: true });
  });

  it('exits 0: isolation holds and every limit was bound before its container started', () => {
    expect(result.isolationHolds, res.stderr).toBe(true);
    expect(result.runs.on.mode).toMatch(/epc agent binds each pod's limit in PreStartContainer/);
    expect(result.runs.off.mode).toMatch(/--enforce false/);
    expect(result.failures, res.stderr).toEqual([]);
    expect(result.isolationHolds).toBe(true);
    expect(result.problemReproduced).toBe(true);
    expect(result.limitsBoundBeforeStart).toBe(true);
    expect(result.runs.on.pods.every((p) => p.limitBoundBeforeStart && p.limitBytes === p.requestBytes)).toBe(true);
    expect(result.scenario).toMatchObject({ nodeEpcBytes: 256 * 1024 * 1024, durationSeconds: 3, slowdownBound: 1.05 });
    expect(res.code).toBe(0);
  });

  it('has both runs with all three pods in their roles', () => {
    for (const run of ['off', 'on'] as const) {
      const pods = result.runs[run].pods;
      expect(Object.fromEntries(pods.map((p) => [`${p.namespace}/${p.name}`, p.role]))).toEqual(ROLES);
      for (const p of pods) {
        expect(p.requestBytes).toBe(64 * 1024 * 1024);
        expect(p.error).toBeUndefined();
        expect(p.accesses).toBeGreaterThan(0);
        expect(p.p99AccessUs).toBeGreaterThanOrEqual(p.p50AccessUs);
        for (const k of ['peakBytes', 'limitEvents', 'evictions', 'reloads', 'p50AccessUs', 'p99AccessUs', 'slowdown', 'wallSlowdown', 'wallP50Us', 'wallP99Us', 'modeledNsPerPage'] as const) expect(typeof p[k], `${run} ${p.name} ${k}`).toBe('number');
        expect(p.wallP50Us).toBe(p.p50AccessUs);
      }
    }
  });

  it('pages the noisy pod in both runs and the quiet ones only without limits', () => {
    const paged = (p: DemoResult['runs']['on']['pods'][number]) => p.evictions + p.reloads > 0;
    for (const run of ['off', 'on'] as const) {
      const noisy = result.runs[run].pods.find((p) => p.role === 'noisy')!;
      expect(paged(noisy), `noisy in ${run}`).toBe(true);
    }
    for (const p of result.runs.off.pods.filter((x) => x.role === 'quiet')) {
      expect(paged(p), `${p.name} off`).toBe(true);
      expect(p.limitBytes).toBeNull();
    }
    // Off, at least one quiet tenant paid modeled paging time (the headline column shows the harm).
    expect(result.runs.off.pods.filter((x) => x.role === 'quiet').some((p) => p.reloadsAfterBuild > 0 && p.slowdown! > 1.05)).toBe(true);
    for (const p of result.runs.on.pods.filter((x) => x.role === 'quiet')) {
      expect({ name: p.name, evictions: p.evictions, reloads: p.reloads, events: p.limitEvents }).toEqual({ name: p.name, evictions: 0, reloads: 0, events: 0 });
      expect({ name: p.name, pagingNs: p.pagingNs, slowdown: p.slowdown }).toEqual({ name: p.name, pagingNs: 0, slowdown: 1 });
      expect(p.peakBytes).toBeLessThanOrEqual(p.requestBytes);
    }
    const noisyOn = result.runs.on.pods.find((p) => p.role === 'noisy')!;
    expect(noisyOn.peakBytes).toBeLessThanOrEqual(noisyOn.requestBytes);
    expect(noisyOn.limitEvents).toBeGreaterThan(0);
  });

  it('writes a well-formed self-contained HTML report holding both runs\' series', async () => {
    expect(result.reportFile).toBe(join(dir, 'report.html'));
    const html = await readFile(join(dir, 'report.html'), 'utf8');
    const doc = parseXml(html);
    expect(html).not.toMatch(/<script|<link |src="http/);
    const paths = findAll(doc, 'path');
    for (const run of ['off', 'on']) {
      for (const pod of Object.keys(ROLES)) {
        const usage = paths.find((e) => e.attrs['data-run'] === run && e.attrs['data-pod'] === pod && e.attrs['data-metric'] === 'usage');
        expect(usage, `${run} ${pod}`).toBeDefined();
        expect(usage!.attrs.d.split(' L').length, `${run} ${pod} points`).toBeGreaterThan(5);
        expect(result.runs[run as 'on'].series[pod].length).toBeGreaterThan(5);
      }
    }
  });

  it('shows progress on stderr and leaves no temp dir or process behind', async () => {
    expect(res.stderr).toMatch(/off: node up/);
    expect(res.stderr).toMatch(/on {3}t=\d+s/);
    expect(await demoTempDirs(root)).toEqual(before);
    expect(demoProcesses(root)).toEqual([]);
  });
});

describe('epc demo bad input', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'epc-demo-test-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('exits 2 saying a simulation file is not a demo scenario', async () => {
    const r = await runCli(['demo', '--scenario', 'test/scenarios/examples/no-limits.yaml']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/this is a simulation file \(capacity, cgroups, steps\) for `epc simulate FILE`, not a demo scenario/);
  });

  it('exits 2 naming the field of a bad --scenario file', async () => {
    const r = await runCli(['demo', '--scenario', 'test/scenarios/demo/bad-working-set.yaml']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/tenants\[0\]\.workingSet: working set .* must not exceed enclaveSize/);
  });

  it.each([
    ['an unknown field', 'node: {epc: 256Mi}\ntenants:\n  - {namespace: a, pod: p, request: 64Mi, enclaveSize: 8Mi, workingSet: 4Mi, colour: red}\n', /tenants\[0\].*colour/],
    ['a bad quantity', 'node: {epc: lots}\ntenants: []\n', /node\.epc: invalid quantity "lots"/],
    ['broken YAML', 'node: [\n', /not valid YAML or JSON/],
  ])('exits 2 for %s', async (_n, text, msg) => {
    const f = join(dir, 'bad.yaml');
    await writeFile(f, text);
    const r = await runCli(['demo', '--scenario', f]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(msg);
  });

  it.each([['0'], ['soon'], ['601']])('exits 2 for --duration %s', async (d) => {
    const r = await runCli(['demo', '--duration', d]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--duration must be a number of seconds from 1 to 600/);
  });

  it('lists every flag in --help', async () => {
    const r = await runCli(['demo', '--help']);
    expect(r.code).toBe(0);
    for (const flag of ['--duration', '--scenario', '--json', '--report', '--keep-temp']) expect(r.stdout).toContain(flag);
  });
});

describe('epc demo Ctrl-C', () => {
  it('stops every child process and removes its temp dir', async () => {
    const root = await privateTmp();
    const before = await demoTempDirs(root);
    const child = spawnCli(['demo', '--duration', '20', '--no-report'], { env: { ...process.env, TMPDIR: root } });
    let stderr = '';
    child.stdout?.resume();
    const reachedRun = new Promise<void>((resolve) => {
      child.stderr?.on('data', (d) => {
        stderr += d;
        if (/solo tenant-a\/quiet-a: alone/.test(stderr)) resolve();
      });
    });
    const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
    await Promise.race([reachedRun, exited]);
    expect(demoProcesses(root).length, stderr).toBeGreaterThan(0);
    child.kill('SIGINT');
    const code = await exited;
    expect(code, stderr).toBe(130);
    expect(stderr).toMatch(/SIGINT: stopping tenants/);
    expect(demoProcesses(root)).toEqual([]);
    expect(await demoTempDirs(root)).toEqual(before);
    await rm(root, { recursive: true, force: true });
  }, 90_000);
});
