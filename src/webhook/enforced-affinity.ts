/**
 * Pods that require enforcement: the pod annotation `sgx-epc-enforcer.io/require-enforcement:
 * "true"` becomes required node affinity on the label the agent publishes on each Node,
 * `sgx-epc-enforcer.io/epc-enforced=true`, so in a mixed pool (some nodes with a kernel EPC
 * controller, some without) the scheduler places the pod only where its EPC limit holds. Such a
 * pod stays Pending while no node enforces: that is what it asked for.
 *
 * Merging (nodeSelectorTerms are ORed, the expressions inside one term ANDed): the requirement
 * is added to EVERY existing term (so no term can place the pod on an unenforced node); missing
 * parents are created whole. Add-only and idempotent: a term that already holds the exact
 * requirement gets nothing. Pure; the patch is RFC 6902 with RFC 6901 escaped paths.
 */
import { EPC_ENFORCED_LABEL } from '../pod/node-labels.js';
import { annotationAt, arrayAt, escapePointer, isObject, objectAt } from '../pod/pod-view.js';
import type { AddOperation } from './json-patch.js';

/** The pod annotation asking for node affinity on enforcing nodes. */
export const REQUIRE_ENFORCEMENT_ANNOTATION = 'sgx-epc-enforcer.io/require-enforcement';
/**
 * The namespace label (value "true") that requires it for every EPC pod of the namespace. The
 * webhook never reads namespaces: a second mutating webhook entry selects labelled namespaces
 * with its namespaceSelector and calls this path, so the API server does the lookup.
 */
export const REQUIRE_ENFORCEMENT_LABEL = REQUIRE_ENFORCEMENT_ANNOTATION;
export const REQUIRE_ENFORCEMENT_PATH = '/mutate-require-enforcement';

/** The node selector requirement added. */
export const ENFORCED_REQUIREMENT = { key: EPC_ENFORCED_LABEL, operator: 'In', values: ['true'] } as const;

const REQUIRED = 'requiredDuringSchedulingIgnoredDuringExecution';

/**
 * What the annotation asks: `require` (value "true"), nothing (absent or "false"), or a bad value.
 * `byNamespace` (the namespace carries the label): required whatever the pod says.
 */
export function enforcementRequest(pod: unknown, byNamespace = false): { require: boolean; warning?: string } {
  if (byNamespace) return { require: true };
  const v = annotationAt(pod, REQUIRE_ENFORCEMENT_ANNOTATION);
  if (v === undefined || v === 'false') return { require: false };
  if (v === 'true') return { require: true };
  return { require: false, warning: `annotation ${REQUIRE_ENFORCEMENT_ANNOTATION}=${JSON.stringify(v)} is ignored: it must be "true" or "false"` };
}

function holdsRequirement(term: unknown): boolean {
  return arrayAt(term, 'matchExpressions').some(
    (e) => isObject(e) && e.key === ENFORCED_REQUIREMENT.key && e.operator === 'In' && Array.isArray(e.values) && e.values.length === 1 && e.values[0] === 'true',
  );
}

const path = (...tokens: Array<string | number>) => tokens.map((t) => `/${escapePointer(String(t))}`).join('');

/** The operations that make `pod` require an enforcing node (call only when it asks for it). */
export function enforcedAffinityPatch(pod: unknown): AddOperation[] {
  const requirement = () => ({ ...ENFORCED_REQUIREMENT, values: [...ENFORCED_REQUIREMENT.values] });
  const term = () => ({ matchExpressions: [requirement()] });
  const spec = objectAt(pod, 'spec');
  if (spec === undefined) return [{ op: 'add', path: '/spec', value: { affinity: { nodeAffinity: { [REQUIRED]: { nodeSelectorTerms: [term()] } } } } }];
  const affinity = objectAt(spec, 'affinity');
  if (affinity === undefined) return [{ op: 'add', path: path('spec', 'affinity'), value: { nodeAffinity: { [REQUIRED]: { nodeSelectorTerms: [term()] } } } }];
  const nodeAffinity = objectAt(affinity, 'nodeAffinity');
  if (nodeAffinity === undefined) return [{ op: 'add', path: path('spec', 'affinity', 'nodeAffinity'), value: { [REQUIRED]: { nodeSelectorTerms: [term()] } } }];
  const required = objectAt(nodeAffinity, REQUIRED);
  if (required === undefined) return [{ op: 'add', path: path('spec', 'affinity', 'nodeAffinity', REQUIRED), value: { nodeSelectorTerms: [term()] } }];
  const termsAt = path('spec', 'affinity', 'nodeAffinity', REQUIRED, 'nodeSelectorTerms');
  const terms = required.nodeSelectorTerms;
  if (!Array.isArray(terms)) return [{ op: 'add', path: termsAt, value: [term()] }];
  if (terms.length === 0) return [{ op: 'add', path: `${termsAt}/-`, value: term() }];
  const ops: AddOperation[] = [];
  terms.forEach((t, i) => {
    if (!isObject(t) || holdsRequirement(t)) return;
    if (Array.isArray(t.matchExpressions)) ops.push({ op: 'add', path: `${termsAt}/${i}/matchExpressions/-`, value: requirement() });
    else ops.push({ op: 'add', path: `${termsAt}/${i}/matchExpressions`, value: [requirement()] });
  });
  return ops;
}
