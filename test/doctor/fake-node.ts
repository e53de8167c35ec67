/**
 * Fake node roots for `epc doctor` tests: a temp dir laid out like a node's `/`, with real unix
 * sockets (listening net servers) where kubelet and plugins have theirs, and character devices
 * as symlinks to /dev/null (a real character device, no mknod needed).
 */
import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

/** What to put on the fake node. */
export interface FakeNodeSpec {
  /** Device paths (e.g. /dev/sgx_enclave) -> 'char' (symlink to /dev/null) or 'file'. */
  devices?: Record<string, 'char' | 'file'>;
  /** cgroup.controllers content; undefined = not cgroup v2. */
  cgroupControllers?: string;
  /** misc.capacity content; undefined = absent. */
  miscCapacity?: string;
  /** Create kubepods.slice (systemd driver). */
  kubepodsSlice?: boolean;
  /** Node paths that get a listening unix socket. */
  sockets?: string[];
  /** Node paths -> file contents. */
  files?: Record<string, string>;
}

/** A fake node root; `stop()` closes its sockets and removes it (safe twice). */
export interface FakeNode {
  root: string;
  stop(): Promise<void>;
}

export const KUBELET_SOCKETS = ['/var/lib/kubelet/device-plugins/kubelet.sock', '/var/lib/kubelet/pod-resources/kubelet.sock'];

/** Builds the fake root described by `spec`. */
export async function fakeNode(spec: FakeNodeSpec): Promise<FakeNode> {
  const root = await mkdtemp(join(tmpdir(), 'epc-dr-'));
  const servers: Server[] = [];
  const at = (p: string) => join(root, p);
  const put = async (p: string, text: string) => {
    await mkdir(dirname(at(p)), { recursive: true });
    await writeFile(at(p), text);
  };
  for (const [p, kind] of Object.entries(spec.devices ?? {})) {
    await mkdir(dirname(at(p)), { recursive: true });
    if (kind === 'char') await symlink('/dev/null', at(p));
    else await writeFile(at(p), '');
  }
  if (spec.cgroupControllers !== undefined) await put('/sys/fs/cgroup/cgroup.controllers', spec.cgroupControllers);
  if (spec.miscCapacity !== undefined) await put('/sys/fs/cgroup/misc.capacity', spec.miscCapacity);
  if (spec.kubepodsSlice) await mkdir(at('/sys/fs/cgroup/kubepods.slice'), { recursive: true });
  for (const [p, text] of Object.entries(spec.files ?? {})) await put(p, text);
  for (const p of spec.sockets ?? []) {
    await mkdir(dirname(at(p)), { recursive: true });
    const server = createServer();
    await new Promise<void>((resolve, reject) => server.once('error', reject).listen(at(p), resolve));
    servers.push(server);
  }
  let stopped: Promise<void> | undefined;
  return {
    root,
    stop: () =>
      (stopped ??= (async () => {
        await Promise.all(servers.map((s) => new Promise<void>((r) => s.close(() => r()))));
        await rm(root, { recursive: true, force: true });
      })()),
  };
}

/** A healthy SGX node with the kernel EPC cgroup, kubelet running and only our plugin registered. */
export const HEALTHY: FakeNodeSpec = {
  devices: { '/dev/sgx_enclave': 'char', '/dev/sgx_provision': 'char' },
  cgroupControllers: 'cpuset cpu io memory pids misc\n',
  miscCapacity: 'sgx_epc 67108864\n',
  kubepodsSlice: true,
  sockets: [...KUBELET_SOCKETS, '/var/lib/kubelet/device-plugins/sgx.intel.com_enclave-4242-a1b2c3.sock'],
};
