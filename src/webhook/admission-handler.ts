/**
 * One AdmissionReview in, one HTTP reply out: pure (no I/O), so the server, the tests and the
 * benchmark exercise exactly the same decision code. Error-to-status mapping lives here only.
 */
import type { WebhookConfig } from './config.js';
import { encodeAdmissionResponse, parseAdmissionReview, type AdmissionDecision, type AdmissionRequest } from './admission-review.js';
import { buildPodPatch } from './mutate-pod.js';
import { annotationAt, isObject, objectAt, stringAt } from '../pod/pod-view.js';
import { MIRROR_ANNOTATION, reviewPodCreate, reviewPodUpdate, type PodReview } from './review-pod.js';
import { enclaveGate, type EnclaveOffers } from './node-offers.js';
import { enforcedAffinityPatch, enforcementRequest } from './enforced-affinity.js';

/** The two admission endpoints; `validate` never returns a patch. */
export type AdmissionEndpoint = 'mutate' | 'validate';

/** AKS's webhook-configuration opt-out annotation; see README of src/webhook (index.ts). */
export const OPT_OUT_ANNOTATION = 'admissions.enforcer/disabled';

/** Decision outcome for metrics: the deciding rule and the result. */
export interface DecisionLabels {
  rule: string;
  result: 'allowed' | 'patched' | 'denied' | 'rejected' | 'error';
}

/** The reply: HTTP status, JSON body, and labels for metrics/logs. */
export interface AdmissionReply {
  httpStatus: number;
  body: unknown;
  /** `JSON.stringify(body)`, when already encoded (AdmissionReview envelopes). */
  text?: string;
  labels: DecisionLabels;
}

// Warnings /mutate does not pass on: its own patch resolves them.
const RESOLVED_BY_PATCH = new Set(['epc-without-enclave', 'epc-annotation-mismatch']);
// Warnings /validate does not pass on while no node offers the enclave resource (/mutate warned).
const ENCLAVE_NOT_OFFERED = new Set(['epc-without-enclave', 'enclave-not-one']);

function reply(request: AdmissionRequest, d: AdmissionDecision, labels: DecisionLabels): AdmissionReply {
  const { body, text } = encodeAdmissionResponse(request, d);
  return { httpStatus: 200, body, text, labels };
}

/** Allowed as is, by `rule`. */
function allow(request: AdmissionRequest, rule: string): AdmissionReply {
  return reply(request, { allowed: true }, { rule, result: 'allowed' });
}

/** The review's warning messages, less the rules in `hidden`. */
function shownWarnings(review: PodReview, hidden: ReadonlySet<string> | undefined): string[] {
  const shown: string[] = [];
  for (const w of review.warnings) if (hidden === undefined || !hidden.has(w.rule)) shown.push(w.message);
  return shown;
}

/** A denial: /mutate drops the warnings its own patch resolves ("did the mutating webhook run?"), as when allowed. */
function denial(endpoint: AdmissionEndpoint, review: PodReview): AdmissionDecision {
  return {
    allowed: false,
    status: { code: 403, reason: 'Forbidden', message: review.violations.map((v) => v.message).join('; ') },
    warnings: shownWarnings(review, endpoint === 'mutate' ? RESOLVED_BY_PATCH : undefined),
  };
}

/**
 * Handles a parsed JSON body for `endpoint`. Never throws: bugs become a 500-coded denial.
 * `offers`: whether some Node offers the enclave resource (node-offers.ts); absent = assume so.
 * `namespaceRequiresEnforcement`: the request came through the require-enforcement path.
 */
export function handleAdmission(endpoint: AdmissionEndpoint, body: unknown, config: WebhookConfig, offers?: EnclaveOffers, namespaceRequiresEnforcement = false): AdmissionReply {
  const parsed = parseAdmissionReview(body);
  if (!parsed.ok) return { httpStatus: 400, body: { error: `not an AdmissionReview: ${parsed.message}` }, labels: { rule: 'not-admission-review', result: 'rejected' } };
  const request = parsed.request;
  try {
    return decide(endpoint, request, config, offers, namespaceRequiresEnforcement);
  } catch (err) {
    const message = `internal error reviewing the pod: ${err instanceof Error ? err.message : String(err)}`;
    return reply(request, { allowed: false, status: { code: 500, reason: 'InternalError', message } }, { rule: 'internal-error', result: 'error' });
  }
}

function decide(endpoint: AdmissionEndpoint, request: AdmissionRequest, config: WebhookConfig, offers: EnclaveOffers | undefined, byNamespace: boolean): AdmissionReply {
  const isPod = request.kind.kind === 'Pod' && request.kind.group === '' && (request.subResource === '' || request.subResource === 'ephemeralcontainers');
  if (!isPod) return allow(request, 'not-a-pod');
  const pod = request.object;
  if (!isObject(pod)) return allow(request, 'no-object');
  const namespace = request.namespace || stringAt(objectAt(pod, 'metadata'), 'namespace') || '';
  if (config.excludedNamespaces.includes(namespace)) return allow(request, 'excluded-namespace');
  // A mirror pod is one a kubelet (system:node:NAME) creates for a static pod; the annotation alone
  // is a claim any tenant can write on its own pod, so it counts only from a node's request.
  const mirror = annotationAt(pod, MIRROR_ANNOTATION) !== undefined && request.username.startsWith('system:node:');

  let review: PodReview;
  if (request.operation === 'CREATE' && request.subResource === '') review = reviewPodCreate(pod, config);
  else if (request.operation === 'UPDATE') review = reviewPodUpdate(pod, request.oldObject, config);
  else return allow(request, 'other-operation');

  if (review.usesSgx && annotationAt(pod, OPT_OUT_ANNOTATION) !== undefined) {
    review.warnings.push({ rule: 'opt-out-ignored', message: `pod annotation ${OPT_OUT_ANNOTATION} does not exempt pods from EPC enforcement (it is an AKS webhook-configuration annotation); use an excluded namespace` });
  }
  if (mirror) {
    // Static pods run whether or not their mirror is admitted: never patch, only report.
    const warnings = [...review.violations, ...review.warnings].map((f) => `mirror pod: ${f.message}`);
    return reply(request, { allowed: true, warnings }, { rule: 'mirror-pod', result: 'allowed' });
  }
  if (review.violations.length > 0) return reply(request, denial(endpoint, review), { rule: review.violations[0].rule, result: 'denied' });

  // No node offers the enclave resource: /mutate leaves the device requests out and says so;
  // /validate then does not ask whether the mutating webhook ran.
  const gate = review.epcBytes !== undefined ? enclaveGate(offers, config.resourceNames.enclave) : { add: true as const };
  const hidden = endpoint === 'mutate' ? RESOLVED_BY_PATCH : gate.add ? undefined : ENCLAVE_NOT_OFFERED;
  const warnings = shownWarnings(review, hidden);
  let rule = review.usesSgx ? 'sgx-pod' : request.operation === 'UPDATE' ? 'update' : 'non-sgx-pod';
  if (endpoint === 'mutate' && request.operation === 'CREATE' && review.epcBytes !== undefined) {
    if (!gate.add) {
      warnings.push(gate.warning);
      rule = 'enclave-not-offered';
    }
    const patch = buildPodPatch(pod, config, review.epcBytes, review.containers, gate.add);
    const enforcement = enforcementRequest(pod, byNamespace); // require-enforcement annotation or namespace label: node affinity
    if (enforcement.require) patch.push(...enforcedAffinityPatch(pod));
    if (enforcement.warning) warnings.push(enforcement.warning);
    if (patch.length > 0) return reply(request, { allowed: true, warnings, patch }, { rule, result: 'patched' });
  }
  return reply(request, { allowed: true, warnings }, { rule, result: 'allowed' });
}
