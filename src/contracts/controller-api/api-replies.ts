/**
 * Reply bodies of the controller's control and enclave APIs: what the controller sends and its
 * clients read, in one place both sides import.
 */
import type { StepCost } from '../../epc/index.js';

/** Sum of step costs over a request (one request may apply several steps). */
export interface CostSum extends StepCost {
  done: number;
}

/** One cgroup's counters as the control API returns them (sizes in bytes, like the files). */
export interface CgroupStatsReply {
  path: string;
  max: number | 'max';
  current: number;
  peak: number;
  events: number;
  eventsLocal: number;
  evicted: number;
  reloaded: number;
}

/** Reply of `POST /v1/pod-cgroup`: the cgroup as it now is (created: whether any cgroup was made),
 *  and which controller instance made it so (random per controller start; see `GET /v1/instance`). */
export interface PodCgroupReply {
  path: string;
  created: boolean;
  max: number | 'max';
  slots: string[];
  /** Absent from controllers older than this field: such a reply is never remembered by the agent. */
  instance?: string;
}

/** The one line `GET /v1/instance` sends first, before it holds the response open for the controller's life. */
export interface InstanceLine {
  instance: string;
}

/** An enclave as listed by the control API. */
export interface EnclaveInfo {
  slot: string;
  name: string;
  cgroup: string;
  pages: number;
  resident: number;
}

/** Reply of every enclave operation: pages done and what it cost (delayNs = real delay paid). */
export interface EnclaveOpReply extends CostSum {
  enclave: string;
  cgroup: string;
  result: 'ok';
  delayNs: number;
  /** EBUSY answers that were retried after async reclaim inside this request. */
  busyRetries: number;
}
