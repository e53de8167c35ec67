/**
 * Two YAML formats live side by side: the **simulation file** that `epc simulate FILE` runs
 * (capacity, cgroups, steps: the model step by step) and the **demo scenario** that
 * `epc demo --scenario FILE` runs (node, tenants: whole pods on a simulated node). Each loader
 * asks this which one it was given, by the document's top-level keys, so handing one to the
 * other's command says so instead of "unknown field".
 */

/** What a parsed document looks like. */
export type FileKind = 'simulation' | 'demo-scenario' | 'unknown';

/** Top-level keys only a simulation file has. */
const SIMULATION_KEYS = ['capacity', 'cgroups', 'steps', 'ksgxd', 'workers', 'costs'];
/** Top-level keys only a demo scenario has. */
const DEMO_KEYS = ['node', 'tenants', 'durationSeconds', 'slowdownBound'];

/** Classifies a parsed YAML/JSON document by its top-level keys (more matches wins; ties are unknown). */
export function fileKind(doc: unknown): FileKind {
  if (doc === null || typeof doc !== 'object' || Array.isArray(doc)) return 'unknown';
  const keys = Object.keys(doc);
  const sim = keys.filter((k) => SIMULATION_KEYS.includes(k)).length;
  const demo = keys.filter((k) => DEMO_KEYS.includes(k)).length;
  return sim > demo ? 'simulation' : demo > sim ? 'demo-scenario' : 'unknown';
}

/** The message for a demo scenario given to `epc simulate`. */
export const DEMO_SCENARIO_GIVEN_TO_SIMULATE =
  'this is a demo scenario (node, tenants) for `epc demo --scenario FILE`, not a simulation file (capacity, cgroups, steps) for `epc simulate`';

/** The message for a simulation file given to `epc demo --scenario`. */
export const SIMULATION_GIVEN_TO_DEMO =
  'this is a simulation file (capacity, cgroups, steps) for `epc simulate FILE`, not a demo scenario (node, tenants) for `epc demo --scenario`';
