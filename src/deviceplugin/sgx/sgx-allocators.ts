import type { ContainerAllocateResponse, ContainerPreferredAllocationRequest } from '../../contracts/device-plugin-api.js';
import type { Allocator, PreferredAllocator, PreStarter } from '../plugin-spec.js';
import { ENCLAVE_SOCKET, slotSocketDir } from '../../contracts/controller-api/socket-names.js';
import { preferLowestSlots } from './sgx-slots.js';

/** Where a slot's socket directory of the modeled controller appears inside a container. */
export const CONTAINER_ENCLAVE_DIR = '/var/run/epc';
/** Where the modeled controller's enclave socket appears inside a container. */
export const CONTAINER_ENCLAVE_SOCKET = `${CONTAINER_ENCLAVE_DIR}/${ENCLAVE_SOCKET}`;
/** Env var naming that socket for `epc workload`. */
export const ENV_ENCLAVE_SOCKET = 'EPC_ENCLAVE_SOCKET';
/** Env var naming the container's enclave slot (the first one when a container gets several). */
export const ENV_ENCLAVE_SLOT = 'EPC_ENCLAVE_SLOT';
/** Env var naming the container's provision slot (the first one). */
export const ENV_PROVISION_SLOT = 'EPC_PROVISION_SLOT';

/** The PreStartContainer hook: throw to fail the container start with the error's message. */
export type PreStartHook = (req: { resourceName: string; deviceIds: string[] }) => Promise<void>;

/** Told of every Allocate of enclave slots (kubelet assigns them to a new container); must not throw. */
export type AllocateHook = (req: { resourceName: string; deviceIds: readonly string[] }) => void;

/** How containers reach SGX: the real device nodes, or the modeled controller's per-slot sockets under `socketDir`. */
export type SgxMode = { kind: 'hardware' } | { kind: 'model'; socketDir: string };

/**
 * Allocate answer for enclave slots. Several slots in one request share one device; the first
 * names the slot. In the model the container gets the first slot's socket DIRECTORY
 * (`<socketDir>/slots/<slot>`) at /var/run/epc: the socket in it is the container's identity
 * (the controller charges the slot's cgroup), and a directory mount survives the controller
 * re-creating the socket after a restart. The other slots of a multi-slot request are not
 * mounted: they only count against the node's slots (the agent binds them all to the same
 * cgroup, so nothing could be charged elsewhere through them anyway). The mount is read-only:
 * connecting to a unix socket needs no write access to its mount, and a tenant (often root) must
 * not create, remove or swap files in a directory the controller serves from (a symlink or
 * directory in place of enclave.sock, a tmpfs filled under /run).
 */
export function enclaveResponse(mode: SgxMode, ids: readonly string[]): ContainerAllocateResponse {
  if (mode.kind === 'hardware') {
    return { envs: { [ENV_ENCLAVE_SLOT]: ids[0] }, devices: [{ container_path: '/dev/sgx_enclave', host_path: '/dev/sgx_enclave', permissions: 'rw' }] };
  }
  return {
    envs: { [ENV_ENCLAVE_SOCKET]: CONTAINER_ENCLAVE_SOCKET, [ENV_ENCLAVE_SLOT]: ids[0] },
    mounts: [{ container_path: CONTAINER_ENCLAVE_DIR, host_path: slotSocketDir(mode.socketDir, ids[0]), read_only: true }],
  };
}

/** Allocate answer for provision slots: /dev/sgx_provision on hardware; the model has no provisioning key, only the slot env. */
export function provisionResponse(mode: SgxMode, ids: readonly string[]): ContainerAllocateResponse {
  if (mode.kind === 'hardware') {
    return { envs: { [ENV_PROVISION_SLOT]: ids[0] }, devices: [{ container_path: '/dev/sgx_provision', host_path: '/dev/sgx_provision', permissions: 'rw' }] };
  }
  return { envs: { [ENV_PROVISION_SLOT]: ids[0] } };
}

function preferred(req: ContainerPreferredAllocationRequest): string[] {
  return preferLowestSlots(req.available_deviceIDs, req.must_include_deviceIDs, req.allocation_size);
}

/** Enclave slots: allocate, prefer the lowest slots, and require PreStartContainer (the enforcement hook). */
export class EnclaveAllocator implements Allocator, PreStarter, PreferredAllocator {
  constructor(
    private readonly mode: SgxMode,
    private readonly resourceName: string,
    private readonly hook: PreStartHook,
    private readonly onAllocate?: AllocateHook,
  ) {}

  allocate(ids: readonly string[]): ContainerAllocateResponse {
    this.onAllocate?.({ resourceName: this.resourceName, deviceIds: ids });
    return enclaveResponse(this.mode, ids);
  }

  preferredAllocation(req: ContainerPreferredAllocationRequest): string[] {
    return preferred(req);
  }

  async preStartContainer(ids: readonly string[]): Promise<void> {
    await this.hook({ resourceName: this.resourceName, deviceIds: [...ids] });
  }
}

/** Provision slots: allocate and prefer the lowest slots; no PreStart (nothing to enforce). */
export class ProvisionAllocator implements Allocator, PreferredAllocator {
  constructor(private readonly mode: SgxMode) {}

  allocate(ids: readonly string[]): ContainerAllocateResponse {
    return provisionResponse(this.mode, ids);
  }

  preferredAllocation(req: ContainerPreferredAllocationRequest): string[] {
    return preferred(req);
  }
}
