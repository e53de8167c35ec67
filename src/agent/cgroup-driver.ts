/**
 * The kubelet cgroup driver the agent derives pod cgroup paths with (`--cgroup-driver`).
 * 'auto' looks at what kubelet created under the cgroup root (kubepods.slice vs kubepods), again
 * on every call until it knows. When nothing tells (no kubelet cgroups visible, e.g. a model
 * node or a container without the host's cgroupfs): the model backend uses the cgroupfs layout
 * (its tree is the agent's own), the cgroupfs backend fails and asks for the flag.
 */
import { detectCgroupDriver } from '../k8s/detect-cgroup-driver.js';
import type { CgroupDriver } from '../pod/pod-cgroup-path.js';
import type { Logger } from '../util/logger.js';

export type CgroupDriverFlag = CgroupDriver | 'auto';

/** Resolves the driver lazily; the result is cached once known. */
export class CgroupDriverResolver {
  private known: CgroupDriver | undefined;

  constructor(private readonly o: { flag: CgroupDriverFlag; cgroupRoot: string; backendKind: 'model' | 'cgroupfs'; logger?: Logger }) {
    if (o.flag !== 'auto') this.known = o.flag;
  }

  async driver(): Promise<CgroupDriver> {
    if (this.known) return this.known;
    const found = await detectCgroupDriver(this.o.cgroupRoot);
    if (found) {
      this.o.logger?.info({ driver: found, cgroupRoot: this.o.cgroupRoot }, 'cgroup driver auto-detected');
      return (this.known = found);
    }
    if (this.o.backendKind === 'model') {
      this.o.logger?.info({ driver: 'cgroupfs' }, 'cgroup driver: no kubelet cgroups visible; the model tree uses the cgroupfs layout');
      return (this.known = 'cgroupfs');
    }
    throw new Error(`cannot tell the kubelet cgroup driver: neither or both of kubepods.slice and kubepods exist under ${this.o.cgroupRoot}; pass --cgroup-driver systemd|cgroupfs`);
  }
}

/** Parses a pod UID out of a pod cgroup path of either driver; undefined for other cgroups. */
export function podUidFromCgroup(path: string): string | undefined {
  const last = path.split('/').filter(Boolean).at(-1) ?? '';
  let m = /^pod([A-Za-z0-9][A-Za-z0-9-]*)$/.exec(last);
  if (m) return m[1];
  m = /^kubepods(?:-[a-z]+)?-pod([A-Za-z0-9_]+)\.slice$/.exec(last);
  if (m) return m[1].replaceAll('_', '-');
  return undefined;
}

/** Where pod cgroups of `driver` live (the reconciler lists below it). */
export function kubepodsRoot(driver: CgroupDriver): string {
  return driver === 'systemd' ? '/kubepods.slice' : '/kubepods';
}
