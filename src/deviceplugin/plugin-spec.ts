import type { ContainerAllocateResponse, ContainerPreferredAllocationRequest, Device, DevicePluginOptions } from '../contracts/device-plugin-api.js';
import { validateResourceName } from '../pod/resource-name.js';

export { validateResourceName };

/**
 * Where a plugin's devices come from (dpapi's Scanner). `start` must call `notify` with the full
 * device list at least once and again on every change (health included); the framework forwards
 * each list to every ListAndWatch stream. `stop` releases every timer and watch it holds.
 */
export interface DeviceSource {
  start(notify: (devices: readonly Device[]) => void): void | Promise<void>;
  stop(): void | Promise<void>;
}

/**
 * Builds the container runtime answer for one container's device IDs. The framework has already
 * checked that every ID is one of the plugin's devices (unknown IDs never reach it).
 */
export interface Allocator {
  allocate(deviceIds: readonly string[]): ContainerAllocateResponse | Promise<ContainerAllocateResponse>;
}

/** Optional: called before every container start. Throwing fails the start with the message. */
export interface PreStarter {
  preStartContainer(deviceIds: readonly string[]): Promise<void>;
}

/** Optional: picks `allocation_size` IDs out of `available_deviceIDs` (with the must-include ones). */
export interface PreferredAllocator {
  preferredAllocation(req: ContainerPreferredAllocationRequest): readonly string[] | Promise<readonly string[]>;
}

/** What one plugin supplies to the framework: its resource, device source and allocator. */
export interface DevicePluginSpec {
  resourceName: string;
  source: DeviceSource;
  allocator: Allocator & Partial<PreStarter> & Partial<PreferredAllocator>;
}

/**
 * The options advertised to kubelet, detected from the capabilities the allocator really has.
 * The same object goes into RegisterRequest.options and GetDevicePluginOptions.
 */
export function detectOptions(allocator: DevicePluginSpec['allocator']): DevicePluginOptions {
  return {
    pre_start_required: typeof allocator.preStartContainer === 'function',
    get_preferred_allocation_available: typeof allocator.preferredAllocation === 'function',
  };
}

