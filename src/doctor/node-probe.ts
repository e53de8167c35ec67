/**
 * The I/O edge of `epc doctor`: reads what a node offers under a root directory (`/` on the
 * node, `/host` in `kubectl debug node/...`, a temp dir in tests) into plain facts. Never throws:
 * what cannot be read is absent.
 */
import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { CONTROL_SOCKET } from '../contracts/controller-api/socket-names.js';
import { detectCgroupDriver } from '../k8s/detect-cgroup-driver.js';
import { DOCTOR_DEFAULTS } from './doctor-config.js';

/** Where to look, all relative to `root`. */
export interface ProbeOptions {
  root: string;
  /** kubelet's root dir (default /var/lib/kubelet). */
  kubeletDir?: string;
  /** cgroup v2 mount (default /sys/fs/cgroup). */
  cgroupDir?: string;
  /** The model's `epc controller` socket dir (default /var/run/epc). */
  controllerSocketDir?: string;
}

/** Kind of a filesystem entry, as far as the doctor cares. */
export type EntryKind = 'char' | 'socket' | 'dir' | 'file' | 'other' | 'absent';

/** Everything the checks judge (paths as seen on the node, i.e. without the root prefix). */
export interface NodeFacts {
  /** SGX device paths -> kind. */
  devices: Record<string, EntryKind>;
  cgroupDir: string;
  /** Contents of cgroup.controllers (undefined: not cgroup v2 here). */
  cgroupControllers?: string;
  /** Contents of misc.capacity (undefined: absent). */
  miscCapacity?: string;
  cgroupDriver?: 'systemd' | 'cgroupfs';
  kubeletDir: string;
  devicePluginSocket: EntryKind;
  podResourcesSocket: EntryKind;
  /** Entries of the device-plugins dir (undefined: no such dir). */
  devicePluginEntries?: Array<{ name: string; kind: EntryKind }>;
  /** kubelet's device-manager checkpoint (device-plugins/kubelet_internal_checkpoint), raw. */
  kubeletCheckpoint?: string;
  controlSocketPath: string;
  controlSocket: EntryKind;
  /** NRI plugin files whose name mentions sgx (e.g. nri-sgx-epc), node paths. */
  nriSgxPlugins: string[];
}

/** SGX device nodes: the in-kernel driver's, the DCAP driver's compatibility paths, the legacy out-of-tree driver. */
export const SGX_DEVICE_PATHS = ['/dev/sgx_enclave', '/dev/sgx_provision', '/dev/sgx/enclave', '/dev/sgx/provision', '/dev/isgx'];
/** Where NRI plugins and their configs live (containerd's defaults). */
export const NRI_DIRS = ['/opt/nri/plugins', '/etc/nri/conf.d'];

async function kindOf(path: string): Promise<EntryKind> {
  try {
    const s = await stat(path);
    if (s.isCharacterDevice()) return 'char';
    if (s.isSocket()) return 'socket';
    if (s.isDirectory()) return 'dir';
    if (s.isFile()) return 'file';
    return 'other';
  } catch {
    return 'absent';
  }
}

async function readText(path: string): Promise<string | undefined> {
  try {
    return await readFile(path, 'utf8');
  } catch {
    return undefined;
  }
}

async function list(path: string): Promise<string[] | undefined> {
  try {
    return (await readdir(path)).sort();
  } catch {
    return undefined;
  }
}

/** Reads the node's facts under `opts.root`. */
export async function probeNode(opts: ProbeOptions): Promise<NodeFacts> {
  const at = (p: string) => join(opts.root, p);
  const kubeletDir = opts.kubeletDir ?? DOCTOR_DEFAULTS.kubeletDir;
  const cgroupDir = opts.cgroupDir ?? DOCTOR_DEFAULTS.cgroupDir;
  const controlSocketPath = join(opts.controllerSocketDir ?? DOCTOR_DEFAULTS.controllerSocketDir, CONTROL_SOCKET);
  const dpDir = join(kubeletDir, 'device-plugins');
  const devices: Record<string, EntryKind> = {};
  await Promise.all(SGX_DEVICE_PATHS.map(async (d) => (devices[d] = await kindOf(at(d)))));
  const names = await list(at(dpDir));
  const devicePluginEntries = names && (await Promise.all(names.map(async (name) => ({ name, kind: await kindOf(at(join(dpDir, name))) }))));
  const nriSgxPlugins: string[] = [];
  for (const dir of NRI_DIRS) for (const n of (await list(at(dir))) ?? []) if (/sgx/i.test(n)) nriSgxPlugins.push(join(dir, n));
  return {
    devices,
    cgroupDir,
    cgroupControllers: await readText(at(join(cgroupDir, 'cgroup.controllers'))),
    miscCapacity: await readText(at(join(cgroupDir, 'misc.capacity'))),
    cgroupDriver: await detectCgroupDriver(at(cgroupDir)),
    kubeletDir,
    devicePluginSocket: await kindOf(at(join(dpDir, 'kubelet.sock'))),
    podResourcesSocket: await kindOf(at(join(kubeletDir, 'pod-resources', 'kubelet.sock'))),
    devicePluginEntries,
    kubeletCheckpoint: await readText(at(join(dpDir, 'kubelet_internal_checkpoint'))),
    controlSocketPath,
    controlSocket: await kindOf(at(controlSocketPath)),
    nriSgxPlugins,
  };
}
