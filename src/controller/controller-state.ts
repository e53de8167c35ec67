import type { Step, StepCost } from '../epc/index.js';
import type { Logger } from '../util/logger.js';
import { ApiError, type ApiErrorCode } from '../contracts/controller-api/api-error.js';
import type { CostSum } from '../contracts/controller-api/api-replies.js';
import type { CostDelay } from './cost-delay.js';
import type { RealtimeModel } from './realtime-model.js';
import type { SlotSocketsPort } from './slot-sockets.js';
import type { SlotTable } from './slot-table.js';

/** What both APIs share: the model in real time, the slot bindings, the caller delays. */
export interface ControllerState {
  rt: RealtimeModel;
  slots: SlotTable;
  /** The per-slot enclave sockets: a bind serves the slot's socket, an unbind removes it. */
  sockets: SlotSocketsPort;
  delay: CostDelay;
  log: Logger;
  /** How long a fault answered EBUSY is retried (after async reclaim) before EBUSY is returned. */
  faultRetryMs: number;
  /** This controller's identity, random per EpcController (never shared with a later start): the
   *  pod-cgroup reply and `GET /v1/instance` carry it, so the agent can tell a restart (state lost). */
  instance: string;
}


/** A zero cost sum. */
export function zeroCost(): CostSum {
  return { done: 0, evicted: 0, reloaded: 0, einits: 0, simulatedNs: 0 };
}

/** Adds a step's cost (and its `done`) into a running sum. */
export function addCost(sum: CostSum, cost: StepCost, done = 0): void {
  sum.done += done;
  sum.evicted += cost.evicted;
  sum.reloaded += cost.reloaded;
  sum.einits += cost.einits;
  sum.simulatedNs += cost.simulatedNs;
}

/** Applies a step and returns its value, or throws the model's errno as an `ApiError`. */
export function applyOrThrow(state: ControllerState, step: Step, what: string): { value?: string; done?: number; cost: StepCost } {
  const r = state.rt.apply(step);
  if (r.result !== 'ok') throw new ApiError(r.result as ApiErrorCode, `${what}: ${r.result}`, { extra: { result: r.result, done: r.done ?? 0 } });
  return r;
}
