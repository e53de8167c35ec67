/**
 * The modeled SGX EPC cgroup controller (Linux v17 EPC cgroup series on mainline misc.c >= 6.11).
 * Pure and deterministic: no timers, no I/O; scheduling comes in through EpcModelOptions
 * (workers/ksgxd 'auto' | 'manual' and the onPending port). See the README, "The simulator and simulation files".
 *
 * Files, named after the kernel code they mirror (each function points at its kernel twin):
 * - sgx.ts            arch/x86/kernel/cpu/sgx/sgx.h: constants, page kinds
 * - epc-pages.ts      struct sgx_epc_page as typed arrays: free list, intrusive LRU lists
 * - sgx-main.ts       main.c: sgx_alloc_epc_page, sgx_reclaim_pages, ksgxd
 * - epc-cgroup.ts     epc_cgroup.c: try_charge, reclaim cursors, should_reclaim, async work
 * - misc-cgroup.ts    kernel/cgroup/misc.c: the tree, the charge walk, events, peak
 * - misc-files.ts     misc.* file formats, misc_cg_max_write + kstrtou64
 * - sgx-encl.ts       encl.c/ioctl.c: ECREATE, EADD, EINIT, EAUG, ELDU, release, EWB owner side
 * - encl-page-table.ts  enclave page -> EPC page (4 bytes per enclave page)
 * - cost-model.ts     cycles -> simulated nanoseconds
 * - epc-model.ts      EpcModel: the step API used by epc simulate and epc controller
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
export { DEFAULT_COSTS } from './cost-model.js';
export { parseQuantityToPages, type QuantityOptions } from './quantity.js';
export {
  PAGE_SIZE,
  SGX_NR_TO_SCAN,
  SGX_NR_LOW_PAGES,
  SGX_NR_HIGH_PAGES,
  SGX_VA_SLOT_COUNT,
  MAX_CAPACITY_PAGES,
} from './sgx.js';
