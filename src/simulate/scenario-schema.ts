/**
 * The structure of a scenario file (README, "The simulator and simulation files"): which fields the top
 * level, a cgroup declaration and each step op have. Unknown fields are errors, so a typo
 * (`page: 40`) is reported instead of silently ignored. Cross references (does that cgroup or
 * enclave exist?) are checked by parse-scenario.ts, which walks the file in order.
 */
import { z } from 'zod';
import {
  capacity,
  cgroupPath,
  costNumber,
  fileValue,
  flag,
  label,
  maxLimit,
  pageCount,
  pageRange,
  schedule,
} from './scenario-fields.js';

/** One step schema per op; the keys are every op a scenario may use, in the doc's order. */
export const STEP_SCHEMAS = {
  create: z.strictObject({ op: z.literal('create'), enclave: label, cgroup: cgroupPath, bare: flag.optional(), from: cgroupPath.optional() }),
  add: z.strictObject({ op: z.literal('add'), enclave: label, pages: pageCount, from: cgroupPath.optional() }),
  init: z.strictObject({ op: z.literal('init'), enclave: label }),
  aug: z.strictObject({ op: z.literal('aug'), enclave: label, pages: pageCount, from: cgroupPath.optional() }),
  access: z.strictObject({ op: z.literal('access'), enclave: label, range: pageRange, from: cgroupPath.optional() }),
  write: z.strictObject({ op: z.literal('write'), cgroup: cgroupPath, file: label, value: fileValue }),
  read: z.strictObject({ op: z.literal('read'), cgroup: cgroupPath, file: label }),
  drain: z.strictObject({ op: z.literal('drain') }),
  ksgxd: z.strictObject({ op: z.literal('ksgxd') }),
  destroy: z.strictObject({ op: z.literal('destroy'), enclave: label }),
  mkdir: z.strictObject({ op: z.literal('mkdir'), cgroup: cgroupPath }),
  rmdir: z.strictObject({ op: z.literal('rmdir'), cgroup: cgroupPath }),
} as const;

/** A step op name the format knows. */
export type StepOp = keyof typeof STEP_SCHEMAS;
/** Every op, for messages. */
export const STEP_OPS = Object.keys(STEP_SCHEMAS) as StepOp[];

/** `{path, max?}`: a misc cgroup created before the steps run (parents first). */
export const cgroupDeclSchema = z.strictObject({ path: cgroupPath, max: maxLimit.optional() });

/** Optional cost overrides; unset ones keep the model's defaults. */
export const costsSchema = z.strictObject({
  evictCycles: costNumber({ positive: false }).optional(),
  reloadCycles: costNumber({ positive: false }).optional(),
  einitCycles: costNumber({ positive: false }).optional(),
  ghz: costNumber({ positive: true }).optional(),
});

/** The top level; cgroups and steps stay `unknown[]` here and are validated entry by entry. */
export const scenarioTopSchema = z.strictObject({
  description: z.string({ error: 'must be a string' }).optional(),
  capacity,
  ksgxd: schedule.optional(),
  workers: schedule.optional(),
  costs: costsSchema.optional(),
  // `steps:` with nothing after it is YAML null: the same as no steps.
  cgroups: z.array(z.unknown(), { error: 'must be a list of {path, max} entries' }).nullable().optional(),
  steps: z.array(z.unknown(), { error: 'must be a list of steps' }).nullable().optional(),
});
