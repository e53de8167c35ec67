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

/**
 * `--enforce` (chart value `agent.enforce`):
 * - auto (default): limits where the node has an EPC controller, observe-only (pods start
 *   unbound and unlimited) where it has none;
 * - true: strict, fail closed - EPC pod starts are refused where there is no EPC controller;
 * - false: observe-only everywhere (cgroups bound with misc.max "max" where a controller exists).
 */
export type EnforceMode = 'auto' | 'true' | 'false';
export const ENFORCE_MODES: readonly EnforceMode[] = ['auto', 'true', 'false'];

/** Whether pod cgroups get the pod's EPC request as misc.max (else "max": measured, unlimited). */
export function appliesLimits(mode: EnforceMode): boolean {
  return mode !== 'false';
}

/** The part of the advice that only makes sense under `--enforce true` (pods are being refused). */
export const STRICT_ONLY_ADVICE = ', or set the chart value agent.enforce=auto (flag --enforce auto) to start pods without limits on nodes that lack it';
/** The advice every "no EPC controller" message ends with: what an operator can actually set. */
export const NO_EPC_CGROUP_ADVICE = `this kernel cannot hold pods to their EPC; run a node image whose kernel has the sgx_epc misc cgroup${STRICT_ONLY_ADVICE}`;

/**
 * `reason` as shown under `mode`: "set agent.enforce=auto" is advice for a node that refuses pods
 * (`true`); under auto or false pods already start, and a Node condition telling an operator who
 * runs auto to set auto only confuses.
 */
export function reasonUnder(mode: EnforceMode, reason: string): string {
  return mode === 'true' ? reason : reason.replace(STRICT_ONLY_ADVICE, '');
}
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

/** Without an EPC controller only `--enforce true` refuses; auto and false start the pod unbound. */
export function startPolicy(mode: EnforceMode, state: EpcControllerState): StartPolicy {
  if (state.usable) return { action: 'bind' };
  return mode === 'true' ? { action: 'refuse', reason: state.reason } : { action: 'start-unbound', reason: reasonUnder(mode, state.reason) };
}

/** The `backend` readiness check: passes when usable; when not, fails only under `--enforce true`. */
export function backendReadiness(mode: EnforceMode, state: EpcControllerState): ReadinessCheck {
  if (state.usable) {
    return mode === 'false' ? { note: 'observe-only (--enforce=false): pod cgroups are bound with misc.max "max" (measured, not limited)' } : true;
  }
  if (mode === 'true') return state.reason;
  return { note: `observe-only (--enforce=${mode}), EPC pods start without a cgroup binding: ${reasonUnder(mode, state.reason)}` };
}
