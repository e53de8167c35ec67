/**
 * Names on Nodes that both the agent (which publishes them) and the webhook (which turns a pod's
 * request for enforcement into node affinity for them) use. One place, so they never disagree.
 */

/** The Node label, `true|false`, for node affinity of pods that require enforcement. */
export const EPC_ENFORCED_LABEL = 'sgx-epc-enforcer.io/epc-enforced';
