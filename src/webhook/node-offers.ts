/**
 * Pure: does some Node offer the enclave resource, and what /mutate does about it. The webhook
 * adds `sgx.intel.com/enclave: 1` (and `provision`) only when some Node offers the enclave
 * resource, i.e. when the agent's device plugin is registered somewhere: otherwise the added
 * request would keep the pod Pending forever (no node can satisfy it). In that case, and while
 * the webhook does not know yet (before its first Node list succeeded), the pod is admitted
 * without the device requests and with a warning that says no EPC limit is bound to it
 * (fail-open: an install never strands pods because of what the platform lacks). An operator
 * who prefers Pending pods over unlimited ones runs the webhook with `--enclave-request always`.
 */
import { isObject, objectAt } from '../pod/pod-view.js';
import { parseQuantity } from '../pod/quantity.js';

/** What the webhook knows about the cluster's Nodes. */
export type EnclaveOfferState =
  | { status: 'offered'; offering: number; nodes: number }
  | { status: 'not-offered'; nodes: number }
  | { status: 'unknown'; reason: string };

/** Where /mutate reads that state (a Node watch, or `ALWAYS_OFFERED`). */
export interface EnclaveOffers {
  state(): EnclaveOfferState;
}

/** `--enclave-request always`: assume every pod can be scheduled with the enclave request. */
export const ALWAYS_OFFERED: EnclaveOffers = { state: () => ({ status: 'offered', offering: 1, nodes: 1 }) };

/** True when `node` offers `resource`: allocatable (else capacity) is a quantity > 0. */
export function nodeOffers(node: unknown, resource: string): boolean {
  const status = objectAt(node, 'status');
  for (const key of ['allocatable', 'capacity']) {
    const list = objectAt(status, key);
    if (!isObject(list) || !Object.hasOwn(list, resource)) continue;
    const q = parseQuantity(list[resource]);
    return q.ok && q.value.num > 0n;
  }
  return false;
}

/** The gate for one pod: add the device requests, or leave them out with this warning. */
export type EnclaveGate = { add: true } | { add: false; warning: string };

/** Decides whether /mutate adds the device requests (no offers source: always, as before). */
export function enclaveGate(offers: EnclaveOffers | undefined, enclave: string): EnclaveGate {
  if (offers === undefined) return { add: true };
  const s = offers.state();
  if (s.status === 'offered') return { add: true };
  const notAdded = `the ${enclave} request was not added, so no EPC limit is bound to this pod`;
  if (s.status === 'not-offered') {
    return { add: false, warning: `no node offers ${enclave}: the sgx-epc-enforcer agent runs on no node (or its device plugin is not registered; ${s.nodes} node(s) seen); ${notAdded}` };
  }
  return { add: false, warning: `the webhook does not know yet whether any node offers ${enclave} (Node list: ${s.reason}); ${notAdded}` };
}

/** One line for /readyz and the ready line's `enclave` field. */
export function describeOffers(s: EnclaveOfferState, enclave: string): string {
  if (s.status === 'offered') return `${enclave} offered by ${s.offering} of ${s.nodes} node(s): the enclave request is added`;
  if (s.status === 'not-offered') return `${enclave} offered by no node (of ${s.nodes}): EPC pods are admitted without the enclave request, with a warning`;
  return `${enclave} offers unknown (${s.reason}): EPC pods are admitted without the enclave request, with a warning`;
}
