/**
 * Scenario text -> a validated `Scenario` ready to run. Checks the whole file before anything
 * runs, in file order, and throws one `ScenarioError` for the first problem, naming its field
 * (`steps[3].pages: must be a non-negative integer, got -1`). What only the model can know
 * (a read of a file the cgroup does not have, a range past the enclave's end, a cgroup removed
 * by rmdir) is not malformed: it becomes a step result when the scenario runs.
 */
import { parse as parseYaml, YAMLParseError } from 'yaml';
import type { z } from 'zod';
import type { CostModel, Step } from '../epc/index.js';
import { DEMO_SCENARIO_GIVEN_TO_SIMULATE, fileKind } from './file-kind.js';
import { fieldPath, ScenarioError } from './scenario-error.js';
import { show } from './scenario-fields.js';
import { cgroupDeclSchema, scenarioTopSchema, STEP_OPS, STEP_SCHEMAS, type StepOp } from './scenario-schema.js';

/** A misc cgroup the scenario creates before its steps; maxBytes undefined = "max". */
export interface CgroupDecl {
  path: string;
  maxBytes?: bigint;
}

/** A validated scenario: every name a step uses was declared or created earlier in the file. */
export interface Scenario {
  description?: string;
  capacityPages: number;
  workers: 'auto' | 'manual';
  ksgxd: 'auto' | 'manual';
  costs: Partial<CostModel>;
  cgroups: CgroupDecl[];
  steps: Step[];
}

/** Aliases a scenario may use before we call it a YAML bomb. */
const MAX_YAML_ALIASES = 100;

/** Parses and validates scenario text (YAML; JSON is YAML too). Throws `ScenarioError`. */
export function parseScenario(text: string): Scenario {
  return validateScenario(parseYamlText(text));
}

function parseYamlText(text: string): unknown {
  try {
    return parseYaml(text, { maxAliasCount: MAX_YAML_ALIASES });
  } catch (err) {
    const first = (err as Error).message.split('\n')[0];
    const where = err instanceof YAMLParseError && err.linePos ? ` (line ${err.linePos[0].line})` : '';
    throw new ScenarioError('', `not valid YAML: ${first}${/at line \d+/.test(first) ? '' : where}`);
  }
}

/** Validates a parsed document (the object YAML gave). Throws `ScenarioError` for the first problem. */
export function validateScenario(doc: unknown): Scenario {
  if (doc === null || doc === undefined) throw new ScenarioError('', 'the scenario is empty: it needs at least capacity and steps');
  if (typeof doc !== 'object' || Array.isArray(doc)) {
    throw new ScenarioError('', `the simulation file must be a mapping with capacity, cgroups and steps, got ${show(doc)}`);
  }
  if (fileKind(doc) === 'demo-scenario') throw new ScenarioError('', DEMO_SCENARIO_GIVEN_TO_SIMULATE);
  const top = check(scenarioTopSchema, doc, []);
  const costs: Partial<CostModel> = {};
  for (const [k, v] of Object.entries(top.costs ?? {})) if (v !== undefined) costs[k as keyof CostModel] = v;

  const known = new Set<string>(['/']);
  const declared = new Map<string, number>();
  const cgroups = (top.cgroups ?? []).map((raw, i): CgroupDecl => {
    const at = ['cgroups', i];
    if (!isMapping(raw)) throw new ScenarioError(fieldPath(at), `must be a mapping like {path: /A, max: 64}, got ${show(raw)}`);
    const d = check(cgroupDeclSchema, raw, at);
    const where = fieldPath([...at, 'path']);
    if (d.path === '/') throw new ScenarioError(where, 'the root cgroup "/" always exists and has no misc.max: declare only its descendants');
    const first = declared.get(d.path);
    if (first !== undefined) throw new ScenarioError(where, `${show(d.path)} is declared twice (first at cgroups[${first}])`);
    const parent = parentOf(d.path);
    if (!known.has(parent)) throw new ScenarioError(where, `parent ${show(parent)} must be declared before ${show(d.path)}`);
    known.add(d.path);
    declared.set(d.path, i);
    return d.max === undefined ? { path: d.path } : { path: d.path, maxBytes: d.max };
  });

  const created = new Map<string, number>();
  const steps = (top.steps ?? []).map((raw, i): Step => {
    const at = ['steps', i];
    if (!isMapping(raw)) throw new ScenarioError(fieldPath(at), `must be a mapping like {op: add, enclave: e1, pages: 4}, got ${show(raw)}`);
    const op = (raw as Record<string, unknown>).op;
    if (op === undefined) throw new ScenarioError(fieldPath([...at, 'op']), `is required (one of ${STEP_OPS.join(', ')})`);
    if (typeof op !== 'string' || !Object.hasOwn(STEP_SCHEMAS, op)) {
      throw new ScenarioError(fieldPath([...at, 'op']), `unknown op ${show(op)} (expected one of ${STEP_OPS.join(', ')})`);
    }
    const step = check(STEP_SCHEMAS[op as StepOp], raw, at) as Step;
    checkReferences(step, { at, known, created, index: i });
    return step;
  });

  return {
    ...(top.description === undefined ? {} : { description: top.description }),
    capacityPages: top.capacity,
    workers: top.workers ?? 'auto',
    ksgxd: top.ksgxd ?? 'auto',
    costs,
    cgroups,
    steps,
  };
}

/** Names a step uses must exist by then; `create` and `mkdir` add names. Mutates the sets. */
function checkReferences(
  step: Step,
  ctx: { at: Array<string | number>; known: Set<string>; created: Map<string, number>; index: number },
): void {
  const where = (f: string) => fieldPath([...ctx.at, f]);
  const needCgroup = (f: 'cgroup' | 'from', path: string | undefined) => {
    if (path !== undefined && !ctx.known.has(path)) {
      throw new ScenarioError(where(f), `unknown cgroup ${show(path)} (not declared in cgroups and not created by an earlier mkdir)`);
    }
  };
  if ('enclave' in step) {
    const first = ctx.created.get(step.enclave);
    if (step.op === 'create') {
      if (first !== undefined) throw new ScenarioError(where('enclave'), `enclave ${show(step.enclave)} is already created at steps[${first}]; enclave names cannot be reused`);
    } else if (first === undefined) {
      throw new ScenarioError(where('enclave'), `unknown enclave ${show(step.enclave)} (no earlier create step)`);
    }
  }
  if (step.op === 'mkdir') {
    const parent = parentOf(step.cgroup);
    if (step.cgroup !== '/' && !ctx.known.has(parent)) {
      throw new ScenarioError(where('cgroup'), `parent ${show(parent)} of ${show(step.cgroup)} is not declared or created earlier`);
    }
    ctx.known.add(step.cgroup);
  } else if ('cgroup' in step) {
    needCgroup('cgroup', step.cgroup);
  }
  if ('from' in step) needCgroup('from', step.from);
  if (step.op === 'create') ctx.created.set(step.enclave, ctx.index);
}

/** Runs a zod schema and turns its first issue into a `ScenarioError` under `at`. */
function check<S extends z.ZodType>(schema: S, value: unknown, at: Array<string | number>): z.output<S> {
  const r = schema.safeParse(value);
  if (r.success) return r.data;
  // A misspelt field explains the "is required" of the field it was meant to be: report it first.
  const issue = r.error.issues.find((i) => i.code === 'unrecognized_keys') ?? r.error.issues[0];
  const path = [...at, ...(issue.path as Array<string | number>)];
  if (issue.code === 'unrecognized_keys') {
    const allowed = 'shape' in schema ? Object.keys((schema as unknown as z.ZodObject).shape).join(', ') : '';
    throw new ScenarioError(fieldPath([...path, issue.keys[0]]), `unknown field${allowed ? ` (allowed: ${allowed})` : ''}`);
  }
  throw new ScenarioError(fieldPath(path), issue.message);
}

function isMapping(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

/** "/P" for "/P/Q", "/" for "/A". */
function parentOf(path: string): string {
  const cut = path.lastIndexOf('/');
  return cut <= 0 ? '/' : path.slice(0, cut);
}
