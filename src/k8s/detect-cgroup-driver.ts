import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { CgroupDriver } from '../pod/pod-cgroup-path.js';

async function isDir(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isDirectory();
  } catch {
    return false;
  }
}

/**
 * Guesses the kubelet's cgroup driver from what it created under `cgroupRoot` (e.g.
 * /sys/fs/cgroup): `kubepods.slice` -> systemd, `kubepods` -> cgroupfs. Returns undefined when
 * neither or both exist (unknown: the caller must be told with `--cgroup-driver`). Never throws.
 */
export async function detectCgroupDriver(cgroupRoot: string): Promise<CgroupDriver | undefined> {
  const [systemd, cgroupfs] = await Promise.all([isDir(join(cgroupRoot, 'kubepods.slice')), isDir(join(cgroupRoot, 'kubepods'))]);
  if (systemd === cgroupfs) return undefined;
  return systemd ? 'systemd' : 'cgroupfs';
}
