/** EPC backends: one interface, the model and cgroupfs implementations, and the selector. */
export type { EpcBackend, EpcCgroupStats, EpcMax, FreeEpcReader, SlotBinder } from './epc-backend.js';
export { canBindSlots, canReadFreeEpc } from './epc-backend.js';
export { EpcBackendError, type EpcBackendErrorCode } from './epc-backend-error.js';
export { normalizeCgroupPath } from './normalize-cgroup-path.js';
export { CgroupfsBackend, DEFAULT_CGROUP_ROOT, type CgroupfsBackendOptions } from './cgroupfs-backend.js';
export type { CgroupFsPort } from './cgroup-fs-port.js';
export { ModelBackend, type ModelBackendOptions } from './model-backend.js';
export { selectBackend, chooseAutoBackend, kernelHasSgxEpc, type AutoChoice, type BackendKind, type BackendSelection, type SelectBackendOptions } from './select-backend.js';
