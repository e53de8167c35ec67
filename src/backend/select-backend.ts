import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { CONTROL_SOCKET } from '../contracts/controller-api/socket-names.js';
import type { Logger } from '../util/logger.js';
import { CgroupfsBackend, DEFAULT_CGROUP_ROOT } from './cgroupfs-backend.js';
import { nodeCgroupFs, type CgroupFsPort } from './cgroup-fs-port.js';
import type { EpcBackend } from './epc-backend.js';
import { EpcBackendError } from './epc-backend-error.js';
import { parseSgxBytes } from './misc-format.js';
import { ModelBackend } from './model-backend.js';

/** Which backend to use; 'auto' picks cgroupfs when the kernel has sgx_epc, else the model when its
 *  controller socket exists, else neither (see `chooseAutoBackend`). */
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

/** True when `path` is a unix socket (the controller is, or was, listening there). */
export async function isSocket(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isSocket();
  } catch {
    return false;
  }
}

/** What `--epc-backend auto` picks: 'none' = neither the kernel's EPC cgroup nor the modeled controller. */
export type AutoChoice = { kind: 'cgroupfs' | 'model' | 'none'; why: string };

/**
 * Pure: cgroupfs when the kernel lists sgx_epc; else the model only if its controller socket
 * exists (a hardware node without the EPC cgroup has no controller); else 'none'.
 */
export function chooseAutoBackend(p: { cgroupRoot: string; hasSgxEpc: boolean; controlSocket?: string; controlSocketExists: boolean }): AutoChoice {
  const capacity = join(p.cgroupRoot, 'misc.capacity');
  if (p.hasSgxEpc) return { kind: 'cgroupfs', why: `epc backend auto: ${capacity} has sgx_epc -> cgroupfs` };
  if (p.controlSocket && p.controlSocketExists) return { kind: 'model', why: `epc backend auto: no sgx_epc in ${capacity}, controller socket ${p.controlSocket} exists -> model (epc controller)` };
  const socket = p.controlSocket ? `no controller socket ${p.controlSocket}` : 'no --controller-socket-dir';
  return { kind: 'none', why: `epc backend auto: no sgx_epc in ${capacity} and ${socket} -> no EPC controller on this node (auto decides once, at start)` };
}

/** The backend `--epc-backend` resolved to, and why. */
export interface BackendSelection {
  backend: EpcBackend;
  /** 'none' (auto only): `backend` is the node's cgroupfs, which has no sgx_epc; nothing can be limited. */
  kind: 'cgroupfs' | 'model' | 'none';
  why: string;
  /** 'none': the controller socket auto looked for. */
  missingControllerSocket?: string;
}

/**
 * Builds the backend for `--epc-backend` and logs which and why. 'auto' probes the kernel, then
 * the controller socket; when it finds neither it returns the node's cgroupfs (kind 'none'), so the
 * agent can say so and either refuse EPC pods (enforcing) or run observe-only. Choosing the model
 * without `controllerSocketDir` is EINVAL (named, not a crash).
 */
export async function selectBackend(opts: SelectBackendOptions): Promise<BackendSelection> {
  const cgroupRoot = opts.cgroupRoot ?? DEFAULT_CGROUP_ROOT;
  if (opts.kind === 'auto') {
    const controlSocket = opts.controllerSocketDir ? join(opts.controllerSocketDir, CONTROL_SOCKET) : undefined;
    const hasSgxEpc = await kernelHasSgxEpc({ cgroupRoot, fs: opts.fs });
    const choice = chooseAutoBackend({ cgroupRoot, hasSgxEpc, controlSocket, controlSocketExists: !hasSgxEpc && controlSocket !== undefined && (await isSocket(controlSocket)) });
    if (choice.kind === 'none') opts.logger?.warn({ backend: choice.kind, cgroupRoot, controlSocket }, choice.why);
    else opts.logger?.info({ backend: choice.kind, cgroupRoot, controlSocket }, choice.why);
    if (choice.kind === 'model') return { backend: new ModelBackend({ socketDir: opts.controllerSocketDir! }), kind: 'model', why: choice.why };
    const backend = new CgroupfsBackend({ cgroupRoot, fs: opts.fs });
    return choice.kind === 'cgroupfs' ? { backend, kind: 'cgroupfs', why: choice.why } : { backend, kind: 'none', why: choice.why, missingControllerSocket: controlSocket };
  }
  const why = `epc backend: ${opts.kind}`;
  if (opts.kind === 'cgroupfs') {
    opts.logger?.info({ backend: opts.kind, cgroupRoot }, why);
    return { backend: new CgroupfsBackend({ cgroupRoot, fs: opts.fs }), kind: 'cgroupfs', why };
  }
  if (opts.kind === 'model') {
    if (!opts.controllerSocketDir) throw new EpcBackendError('EINVAL', 'the model backend needs the controller socket dir (--controller-socket-dir)');
    opts.logger?.info({ backend: opts.kind, controllerSocketDir: opts.controllerSocketDir }, why);
    return { backend: new ModelBackend({ socketDir: opts.controllerSocketDir }), kind: 'model', why };
  }
  throw new EpcBackendError('EINVAL', `unknown epc backend ${JSON.stringify(opts.kind)}: auto, model or cgroupfs`);
}
