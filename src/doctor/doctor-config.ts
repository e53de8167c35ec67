/**
 * Pure: `epc doctor` flags -> one validated, frozen configuration. Every bad value is a
 * ConfigError naming the flag (the CLI exits 2 with it). The node's paths are as seen on the node
 * (absolute); `--root` is where its filesystem is mounted here (`kubectl debug node/...`: /host).
 */
import { DEFAULT_CGROUP_ROOT } from '../backend/cgroupfs-backend.js';
import { DEFAULT_CONTROLLER_SOCKET_DIR } from '../contracts/controller-api/socket-names.js';
import { ConfigError } from '../util/config-error.js';
import { deepFreeze } from '../util/deep-freeze.js';
import { nonEmptyFlag } from '../util/flag-values.js';

/** Every default of `epc doctor`, as commander shows and hands them over. */
export const DOCTOR_DEFAULTS = {
  root: '/',
  kubeletDir: '/var/lib/kubelet',
  cgroupDir: DEFAULT_CGROUP_ROOT,
  controllerSocketDir: DEFAULT_CONTROLLER_SOCKET_DIR,
} as const;

/** The raw flags as commander hands them over. */
export interface DoctorFlags {
  root: string;
  kubeletDir: string;
  cgroupDir: string;
  controllerSocketDir: string;
  /** Also check the cluster for Intel's SGX webhook. */
  kubeconfig?: string;
  json?: boolean;
}

/** The flags, checked (the node's paths absolute); `json` always set. */
export interface DoctorConfig extends Omit<DoctorFlags, 'json'> {
  json: boolean;
}

function nodePath(flag: string, v: string): string {
  if (!v.startsWith('/')) throw new ConfigError(flag, `${flag} must be an absolute path on the node, got ${JSON.stringify(v)}`);
  return v;
}

export function buildDoctorConfig(f: DoctorFlags): Readonly<DoctorConfig> {
  return deepFreeze({
    root: nonEmptyFlag('--root', f.root),
    kubeletDir: nodePath('--kubelet-dir', f.kubeletDir),
    cgroupDir: nodePath('--cgroup-dir', f.cgroupDir),
    controllerSocketDir: nodePath('--controller-socket-dir', f.controllerSocketDir),
    kubeconfig: f.kubeconfig === undefined ? undefined : nonEmptyFlag('--kubeconfig', f.kubeconfig),
    json: f.json === true,
  });
}
