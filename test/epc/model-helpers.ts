import { expect } from 'vitest';
import { EpcModel, type EpcModelOptions, type Step, type StepResult } from '../../src/epc/index.js';

/** A cgroup to create before the steps run: path and optional max in pages. */
export interface CgroupSpec {
  path: string;
  max?: number;
}

/** Builds a model (manual workers/ksgxd unless told otherwise) with the given cgroups. */
export function newModel(cgroups: CgroupSpec[] = [], opts: Partial<EpcModelOptions> = {}): EpcModel {
  const m = new EpcModel({ capacityPages: 1024, workers: 'manual', ksgxd: 'manual', ...opts });
  for (const c of cgroups) {
    expect(m.apply({ op: 'mkdir', cgroup: c.path }).result).toBe('ok');
    if (c.max !== undefined) {
      const r = m.apply({ op: 'write', cgroup: c.path, file: 'misc.max', value: `sgx_epc ${c.max * 4096}` });
      expect(r.result).toBe('ok');
    }
  }
  return m;
}

/** Applies steps, returning their results (without cost); checks the model stays consistent. */
export function run(m: EpcModel, steps: Step[]): StepResult[] {
  const out: StepResult[] = [];
  for (const s of steps) {
    const { cost: _cost, ...r } = m.apply(s);
    out.push(r);
  }
  expect(m.verify()).toEqual([]);
  return out;
}

/** Applies one step, expecting it to succeed; returns its result. */
export function ok(m: EpcModel, step: Step): StepResult {
  const [r] = run(m, [step]);
  expect(r.result, `${JSON.stringify(step)} -> ${JSON.stringify(r)}`).toBe('ok');
  return r;
}

/** The snapshot of one cgroup. */
export function cg(m: EpcModel, path: string) {
  const s = m.snapshot().cgroups[path];
  if (!s) throw new Error(`no cgroup ${path}`);
  return s;
}

/** Reads a misc file, expecting success. */
export function read(m: EpcModel, path: string, file: string): string {
  const r = m.apply({ op: 'read', cgroup: path, file });
  expect(r.result).toBe('ok');
  return r.value!;
}

/** A bare enclave `name` in `path` holding `pages` pages (cold). */
export function bareEnclave(m: EpcModel, name: string, path: string, pages: number): void {
  ok(m, { op: 'create', enclave: name, cgroup: path, bare: true });
  if (pages > 0) ok(m, { op: 'add', enclave: name, pages });
}
