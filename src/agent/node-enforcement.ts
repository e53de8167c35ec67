/**
 * Pure: what a node enforces, as published on its Node (condition `SgxEpcEnforced`, label
 * `sgx-epc-enforcer.io/epc-enforced`), in /readyz and in the `epc_node_enforced` gauge. One
 * function, so the four places never disagree.
 */
import { reasonUnder, type EnforceMode, type EpcControllerState } from './epc-controller-state.js';

/** The Node condition type (node-problem-detector style: True = limits hold on this node). */
export const EPC_ENFORCED_CONDITION = 'SgxEpcEnforced';
/** The Node label, `true|false`, for node affinity of pods that require enforcement (src/pod: the webhook reads it too). */
export { EPC_ENFORCED_LABEL } from '../pod/node-labels.js';

/** Condition reasons (CamelCase, as Kubernetes condition reasons are). */
export type EnforcementReason = 'EpcControllerPresent' | 'NoEpcController' | 'EnforcementDisabled';

export interface NodeEnforcement {
  enforced: boolean;
  reason: EnforcementReason;
  message: string;
}

/** The node's enforcement state from `--enforce` and the EPC controller probe. */
export function nodeEnforcement(mode: EnforceMode, state: EpcControllerState): NodeEnforcement {
  if (mode === 'false') {
    return {
      enforced: false, reason: 'EnforcementDisabled',
      message: state.usable
        ? 'observe-only (--enforce=false): EPC pods run unlimited; pod cgroups are bound with misc.max "max" and measured'
        : `observe-only (--enforce=false): EPC pods run unlimited and unmeasured: ${reasonUnder(mode, state.reason)}`,
    };
  }
  if (state.usable) return { enforced: true, reason: 'EpcControllerPresent', message: `EPC limits enforced (--enforce=${mode}): each EPC pod is held to its sgx.intel.com/epc request` };
  return {
    enforced: false, reason: 'NoEpcController',
    message: mode === 'true'
      ? `no EPC controller and --enforce=true: EPC pod starts are refused on this node: ${state.reason}`
      : `observe-only (--enforce=auto, no EPC controller): EPC pods start unlimited: ${reasonUnder(mode, state.reason)}`,
  };
}
