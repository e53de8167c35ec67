/**
 * The demo scenario (`epc demo --scenario FILE`; not the simulation file of `epc simulate`,
 * see src/simulate/file-kind.ts): one simulated SGX node and the tenants (pods) that share it. Parsed from
 * YAML or JSON with zod; every error names the field (`tenants[2].workingSet: ...`).
 */
import { z } from 'zod';
import { quantityValue, QuantityError } from '../../pod/quantity.js';
import { fileKind, SIMULATION_GIVEN_TO_DEMO } from '../../simulate/file-kind.js';
import { PAGE_SIZE } from '../../epc/sgx.js';

/** Bytes per EPC page: every size in a scenario is a whole number of pages. */
export const PAGE_BYTES = PAGE_SIZE;
/** Most tenants one demo node runs (each is a child process on a 2-core machine). */
export const MAX_TENANTS = 8;
/** Access patterns `epc workload` knows (kept in step with src/workload/access-pattern.ts). */
export const DEMO_PATTERNS = ['sequential', 'random', 'hotcold'] as const;

/** A tenant's role: quiet tenants must be unaffected with enforcement on; noisy ones overrun. */
export type TenantRole = 'quiet' | 'noisy';

/** One tenant = one namespace with one pod running one `epc workload` container. */
export interface DemoTenant {
  namespace: string;
  pod: string;
  role: TenantRole;
  /** `sgx.intel.com/epc` request (= limit) of the container, bytes. */
  requestBytes: number;
  /** Pages the enclave adds (bytes), and the part of them it keeps touching. */
  enclaveBytes: number;
  workingSetBytes: number;
  pattern: (typeof DEMO_PATTERNS)[number];
  /** Access calls per second (0 = as fast as it can). */
  rate: number;
  /** Pages per access call. */
  batch: number;
}

/** A whole demo scenario, sizes in bytes. */
export interface DemoScenario {
  /** Short name shown in the report. */
  name: string;
  node: {
    name: string;
    epcBytes: number;
    /** Multiplier on the simulated paging time the controller charges as delay (0 = none). */
    costScale: number;
  };
  /** Access phase of each mixed run, seconds (`--duration` overrides). */
  durationSeconds: number;
  /** A quiet tenant passes when its modeled slowdown (see slowdown.ts) is at most this (default 1.05). */
  slowdownBound: number;
  tenants: DemoTenant[];
}

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;

/** A byte size given as a Kubernetes quantity ("64Mi") or a number, a whole number of pages. */
function pageBytes(what: string) {
  return z.union([z.string(), z.number()]).transform((v, ctx) => {
    let bytes: bigint;
    try {
      bytes = quantityValue(v);
    } catch (err) {
      ctx.addIssue({ code: 'custom', message: err instanceof QuantityError ? `invalid quantity ${JSON.stringify(v)}: ${err.reason}` : String(err) });
      return z.NEVER;
    }
    if (bytes < BigInt(PAGE_BYTES)) ctx.addIssue({ code: 'custom', message: `${what} must be at least one page (4096 bytes), got ${JSON.stringify(v)}` });
    else if (bytes % BigInt(PAGE_BYTES) !== 0n) ctx.addIssue({ code: 'custom', message: `${what} must be a whole number of 4096-byte pages, got ${JSON.stringify(v)}` });
    else if (bytes > 1n << 40n) ctx.addIssue({ code: 'custom', message: `${what} must be at most 1Ti, got ${JSON.stringify(v)}` });
    return Number(bytes);
  });
}

const dnsLabel = z.string().regex(DNS_LABEL, 'must be a DNS label (lower-case letters, digits and "-", at most 63 characters)');

const tenantSchema = z.strictObject({
  namespace: dnsLabel,
  pod: dnsLabel,
  role: z.enum(['quiet', 'noisy']).optional(),
  request: pageBytes('request'),
  enclaveSize: pageBytes('enclaveSize'),
  workingSet: pageBytes('workingSet'),
  pattern: z.enum(DEMO_PATTERNS).default('sequential'),
  rate: z.number().min(0).max(100_000).default(200),
  batch: z.number().int().min(1).max(4096).default(64),
});

const scenarioSchema = z.strictObject({
  name: z.string().min(1).max(100).default('demo'),
  node: z.strictObject({
    name: dnsLabel.default('sgx-node-1'),
    epc: pageBytes('epc'),
    costScale: z.number().min(0).max(1000).default(1),
  }),
  durationSeconds: z.number().min(1).max(600).default(10),
  slowdownBound: z.number().min(1).max(1000).default(1.05),
  tenants: z.array(tenantSchema).min(1).max(MAX_TENANTS),
});

/** A scenario file that does not validate; `field` is the path of the first bad field. */
export class ScenarioError extends Error {
  constructor(readonly field: string, readonly reason: string) {
    super(`${field ? `${field}: ` : ''}${reason}`);
    this.name = 'ScenarioError';
  }
}

/** `tenants[2].workingSet` from a zod issue path. */
export function fieldPath(path: ReadonlyArray<PropertyKey>): string {
  let out = '';
  for (const p of path) out += typeof p === 'number' ? `[${p}]` : `${out ? '.' : ''}${String(p)}`;
  return out;
}

/**
 * Validates a parsed scenario document (the object from YAML/JSON) and returns it with sizes in
 * bytes and defaults filled in. Throws `ScenarioError` naming the first bad field. Cross-field
 * rules: working set <= enclave size, unique namespace/pod, requests fit the node (the scheduler
 * would not place the pods otherwise), at least one quiet tenant (the verdict is about them).
 * A tenant without `role` is noisy when its working set exceeds its request, else quiet.
 */
export function validateScenario(doc: unknown): DemoScenario {
  if (fileKind(doc) === 'simulation') throw new ScenarioError('', SIMULATION_GIVEN_TO_DEMO);
  const r = scenarioSchema.safeParse(doc);
  if (!r.success) {
    const issue = r.error.issues[0];
    throw new ScenarioError(fieldPath(issue.path), issue.message);
  }
  const s = r.data;
  const seen = new Set<string>();
  const tenants: DemoTenant[] = s.tenants.map((t, i) => {
    const key = `${t.namespace}/${t.pod}`;
    if (seen.has(key)) throw new ScenarioError(`tenants[${i}].pod`, `duplicate pod ${key}`);
    seen.add(key);
    if (t.workingSet > t.enclaveSize) throw new ScenarioError(`tenants[${i}].workingSet`, `working set (${t.workingSet} bytes) must not exceed enclaveSize (${t.enclaveSize} bytes)`);
    return {
      namespace: t.namespace, pod: t.pod, role: t.role ?? (t.workingSet > t.request ? 'noisy' : 'quiet'),
      requestBytes: t.request, enclaveBytes: t.enclaveSize, workingSetBytes: t.workingSet,
      pattern: t.pattern, rate: t.rate, batch: t.batch,
    };
  });
  const requested = tenants.reduce((a, t) => a + t.requestBytes, 0);
  if (requested > s.node.epc) throw new ScenarioError('tenants', `requests add up to ${requested} bytes, more than node.epc (${s.node.epc} bytes): the scheduler would not place these pods on one node`);
  if (!tenants.some((t) => t.role === 'quiet')) throw new ScenarioError('tenants', 'at least one tenant must be quiet (working set within its request): the verdict is about quiet tenants');
  return {
    name: s.name,
    node: { name: s.node.name, epcBytes: s.node.epc, costScale: s.node.costScale },
    durationSeconds: s.durationSeconds,
    slowdownBound: s.slowdownBound,
    tenants,
  };
}
