import { join } from 'node:path';
import type { Logger } from '../util/logger.js';
import { CgroupfsBackend, DEFAULT_CGROUP_ROOT } from './cgroupfs-backend.js';
import { nodeCgroupFs, type CgroupFsPort } from './cgroup-fs-port.js';
import type { EpcBackend } from './epc-backend.js';
import { EpcBackendError } from './epc-backend-error.js';
import { parseSgxBytes } from './misc-format.js';
import { ModelBackend } from './model-backend.js';

/** Which backend to use; 'auto' picks cgroupfs when the kernel has sgx_epc, else the model. */
export type BackendKind = 'auto' | 'model' | 'cgroupfs';

/** Options of `selectBackend`. */
export interface SelectBackendOptions {
  kind: BackendKind;
  /** cgroup v2 mount (default /sys/fs/cgroup). */
  cgroupRoot?: string;
  /** The `epc controller` socket dir (needed when the model is chosen). */
  controllerSocketDir?: string;
  /** Filesystem port for cgroupfs (tests). */
  fs?: CgroupFsPort;
  logger?: Logger;
}

/** True when `<cgroupRoot>/misc.capacity` lists `sgx_epc` (a kernel with the EPC cgroup). */
export async function kernelHasSgxEpc(opts: { cgroupRoot?: string; fs?: CgroupFsPort } = {}): Promise<boolean> {
  const fs = opts.fs ?? nodeCgroupFs;
  try {
    return parseSgxBytes(await fs.readFile(join(opts.cgroupRoot ?? DEFAULT_CGROUP_ROOT, 'misc.capacity'))) !== undefined;
  } catch {
    return false;
  }
}

/**
 * Builds the backend for `--epc-backend`. 'auto' probes the kernel and logs which it picked and
 * why. Choosing the model without `controllerSocketDir` is EINVAL (named, not a crash).
 */
export async function selectBackend(opts: SelectBackendOptions): Promise<EpcBackend> {
  const cgroupRoot = opts.cgroupRoot ?? DEFAULT_CGROUP_ROOT;
  let kind = opts.kind;
  if (kind === 'auto') {
    const has = await kernelHasSgxEpc({ cgroupRoot, fs: opts.fs });
    kind = has ? 'cgroupfs' : 'model';
    opts.logger?.info({ backend: kind, cgroupRoot }, has
      ? `epc backend auto: ${cgroupRoot}/misc.capacity has sgx_epc -> cgroupfs`
      : `epc backend auto: no sgx_epc in ${cgroupRoot}/misc.capacity -> model (epc controller)`);
  } else {
    opts.logger?.info({ backend: kind }, `epc backend: ${kind}`);
  }
  if (kind === 'cgroupfs') return new CgroupfsBackend({ cgroupRoot, fs: opts.fs });
  if (kind === 'model') {
    if (!opts.controllerSocketDir) throw new EpcBackendError('EINVAL', 'the model backend needs the controller socket dir (--controller-socket-dir)');
    return new ModelBackend({ socketDir: opts.controllerSocketDir });
  }
  throw new EpcBackendError('EINVAL', `unknown epc backend ${JSON.stringify(opts.kind)}: auto, model or cgroupfs`);
}
