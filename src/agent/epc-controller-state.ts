/**
 * Pure: whether the node has an EPC controller that can hold pods to their EPC (the kernel's
 * `sgx_epc` misc cgroup or the modeled controller), and what that means for a container start and
 * for readiness, with and without `--enforce`.
 *
 * - usable: PreStart binds the pod's cgroup (misc.max = its request, or 'max' with --enforce false).
 * - not usable, enforcing: every EPC pod start is refused and the agent is not ready (fail closed).
 * - not usable, --enforce false (observe-only): pods start without a cgroup binding; the agent is
 *   ready and says why nothing is observed.
 */
import { join } from 'node:path';
import { EpcBackendError } from '../backend/epc-backend-error.js';
import type { ReadinessCheck } from '../util/health-server.js';

export type EpcControllerState = { usable: true } | { usable: false; reason: string };

export const USABLE: EpcControllerState = Object.freeze({ usable: true });

/** The advice every "no EPC controller" message ends with. */
export const NO_EPC_CGROUP_ADVICE =
  'this kernel cannot hold pods to their EPC; run a kernel with the EPC cgroup, or the model (--epc-backend model), or --enforce false to start pods without limits';

export interface UnusableContext {
  /** The backend that failed. */
  kind: 'cgroupfs' | 'model';
  cgroupRoot: string;
  /** `--epc-backend auto` found neither sgx_epc nor this controller socket. */
  missingControllerSocket?: string;
}

/**
 * Why the backend cannot hold pods to their EPC, from the error of its `capacity()` probe. A
 * cgroupfs without `sgx_epc` in (or without) `misc.capacity` gets the kernel message with the
 * advice; anything else (model controller unreachable, EACCES, ...) keeps the backend's message.
 */
export function unusableReason(err: unknown, ctx: UnusableContext): string {
  const code = err instanceof EpcBackendError ? err.code : undefined;
  if (ctx.kind === 'cgroupfs' && (code === 'ENOTSUP' || code === 'ENOENT')) {
    const socket = ctx.missingControllerSocket ? ` and no epc controller socket (${ctx.missingControllerSocket})` : '';
    return `kernel has no sgx_epc misc cgroup (${join(ctx.cgroupRoot, 'misc.capacity')})${socket} - ${NO_EPC_CGROUP_ADVICE}`;
  }
  return err instanceof Error ? err.message : String(err);
}

/** What PreStartContainer does with a pod, before any cgroup is touched. */
export type StartPolicy =
  | { action: 'bind' }
  | { action: 'refuse'; reason: string }
  | { action: 'start-unbound'; reason: string };

export function startPolicy(enforce: boolean, state: EpcControllerState): StartPolicy {
  if (state.usable) return { action: 'bind' };
  return enforce ? { action: 'refuse', reason: state.reason } : { action: 'start-unbound', reason: state.reason };
}

/** The `backend` readiness check: passes when usable; when not, fails only while enforcing. */
export function backendReadiness(enforce: boolean, state: EpcControllerState): ReadinessCheck {
  if (state.usable) return true;
  if (enforce) return state.reason;
  return { note: `observe-only (--enforce=false), EPC pods start without a cgroup binding: ${state.reason}` };
}
