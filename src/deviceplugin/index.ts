/** Public surface of the device plugin framework and the SGX plugins. */
export * from '../contracts/device-plugin-api.js';
export { DevicePlugin, uniqueSocketName, type DevicePluginEvent, type DevicePluginInit } from './device-plugin.js';
export { DevicePluginError } from './plugin-error.js';
export { detectOptions, validateResourceName, type Allocator, type DevicePluginSpec, type DeviceSource, type PreferredAllocator, type PreStarter } from './plugin-spec.js';
export { listAndWatchBytes } from './list-and-watch-size.js';
export { devicePluginServices, loadGrpcPackage } from '../contracts/load-proto.js';
export * from './sgx/start-sgx-plugins.js';
export { CONTAINER_ENCLAVE_SOCKET, ENV_ENCLAVE_SLOT, ENV_ENCLAVE_SOCKET, ENV_PROVISION_SLOT, type PreStartHook, type SgxMode } from './sgx/sgx-allocators.js';
export { slotIds } from './sgx/sgx-slots.js';
