/**
 * Runs a validated scenario through the EPC model and collects the report `epc simulate --json`
 * prints (README, "The simulator and simulation files"). Pure: no I/O, deterministic for a given scenario.
 */
import { EpcModel, type CgroupSnapshot, type ModelSnapshot, type StepResult } from '../epc/index.js';
import type { Scenario } from './parse-scenario.js';
import { ScenarioError } from './scenario-error.js';

/** The scenario JSON: one result per step, then every cgroup (creation order) and the EPC. */
export interface ScenarioReport {
  steps: StepResult[];
  cgroups: Record<string, CgroupSnapshot>;
  epc: ModelSnapshot['epc'];
}

/**
 * Builds the model (capacity, costs, scheduling), creates the declared cgroups and their limits,
 * applies every step and returns the report. Step results carry exactly `op`, `result` and, when
 * the model gives them, `done` and `value` (the model's per-step `cost` is not part of the format).
 * Throws `ScenarioError` naming `cgroups[i]` if the model refuses a declaration (it should not:
 * the parser checked them).
 */
export function runScenario(scenario: Scenario): ScenarioReport {
  const model = new EpcModel({
    capacityPages: scenario.capacityPages,
    costs: scenario.costs,
    workers: scenario.workers,
    ksgxd: scenario.ksgxd,
  });
  scenario.cgroups.forEach((cg, i) => {
    const made = model.apply({ op: 'mkdir', cgroup: cg.path });
    if (made.result !== 'ok') throw new ScenarioError(`cgroups[${i}].path`, `the model could not create it: ${made.result}`);
    if (cg.maxBytes === undefined) return;
    const set = model.apply({ op: 'write', cgroup: cg.path, file: 'misc.max', value: `sgx_epc ${cg.maxBytes}` });
    if (set.result !== 'ok') throw new ScenarioError(`cgroups[${i}].max`, `the model refused it: ${set.result}`);
  });
  const steps = scenario.steps.map((step) => stepResult(model.apply(step)));
  return reportOf(steps, model.snapshot());
}

/** Exactly `{op, result, done?, value?}`, in that key order. */
export function stepResult(r: StepResult): StepResult {
  const out: StepResult = { op: r.op, result: r.result };
  if (r.done !== undefined) out.done = r.done;
  if (r.value !== undefined) out.value = r.value;
  return out;
}

/** Copies the snapshot field by field so the report never carries extra model fields. */
function reportOf(steps: StepResult[], snap: ModelSnapshot): ScenarioReport {
  const cgroups: Record<string, CgroupSnapshot> = {};
  for (const [path, c] of Object.entries(snap.cgroups)) {
    cgroups[path] = {
      max: c.max,
      current: c.current,
      peak: c.peak,
      events: c.events,
      eventsLocal: c.eventsLocal,
      evicted: c.evicted,
      reloaded: c.reloaded,
    };
  }
  const e = snap.epc;
  return {
    steps,
    cgroups,
    epc: { capacity: e.capacity, free: e.free, evicted: e.evicted, reloaded: e.reloaded, simulatedNs: e.simulatedNs },
  };
}
