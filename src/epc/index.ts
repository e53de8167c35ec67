/**
 * The modeled SGX EPC cgroup controller (Linux v17 EPC cgroup series on mainline misc.c).
 * Pure and deterministic: no timers, no I/O. See docs/epc-model.md.
 */
export type {
  Errno,
  StepResultCode,
  Step,
  StepResult,
  StepCost,
  CgroupSnapshot,
  ModelSnapshot,
  CostModel,
  EpcModelOptions,
  EnclaveInfo,
} from './types.js';
export { EpcModel } from './epc-model.js';
export { parseQuantityToPages } from './quantity.js';
export { PAGE_SIZE, SGX_NR_TO_SCAN, SGX_NR_LOW_PAGES, SGX_NR_HIGH_PAGES, SGX_VA_SLOT_COUNT } from './sgx.js';
