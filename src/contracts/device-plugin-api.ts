/**
 * Device plugin API v1beta1 messages as proto-loader hands them over (keepCase, defaults), plus
 * the protocol constants. Field names follow the upstream proto exactly.
 */

/** The only API version kubelet accepts in `RegisterRequest.version`. */
export const API_VERSION = 'v1beta1';
/** Kubelet's registration socket name inside the device plugin directory. */
export const KUBELET_SOCKET_NAME = 'kubelet.sock';
/** Where kubelet looks for device plugin sockets. */
export const DEFAULT_DEVICE_PLUGIN_DIR = '/var/lib/kubelet/device-plugins';
export const HEALTHY = 'Healthy';
export const UNHEALTHY = 'Unhealthy';
/** Kubelet's gRPC receive limit on ListAndWatch (grpc-go default; kubelet sets no larger one). */
export const MAX_LIST_AND_WATCH_BYTES = 4 * 1024 * 1024;

export type DeviceHealth = typeof HEALTHY | typeof UNHEALTHY;

export interface NumaNode {
  ID: number;
}

export interface TopologyInfo {
  nodes: NumaNode[];
}

export interface Device {
  ID: string;
  health: DeviceHealth | string;
  topology?: TopologyInfo | null;
}

export interface DevicePluginOptions {
  pre_start_required: boolean;
  get_preferred_allocation_available: boolean;
}

export interface RegisterRequest {
  version: string;
  endpoint: string;
  resource_name: string;
  options?: DevicePluginOptions | null;
}

export interface ListAndWatchResponse {
  devices: Device[];
}

export interface ContainerPreferredAllocationRequest {
  available_deviceIDs: string[];
  must_include_deviceIDs: string[];
  allocation_size: number;
}

export interface PreferredAllocationRequest {
  container_requests: ContainerPreferredAllocationRequest[];
}

export interface PreferredAllocationResponse {
  container_responses: { deviceIDs: string[] }[];
}

export interface AllocateRequest {
  container_requests: { devices_ids: string[] }[];
}

export interface Mount {
  container_path: string;
  host_path: string;
  read_only: boolean;
}

export interface DeviceSpec {
  container_path: string;
  host_path: string;
  permissions: string;
}

export interface ContainerAllocateResponse {
  envs?: Record<string, string>;
  mounts?: Mount[];
  devices?: DeviceSpec[];
  annotations?: Record<string, string>;
  cdi_devices?: { name: string }[];
}

export interface AllocateResponse {
  container_responses: ContainerAllocateResponse[];
}

export interface PreStartContainerRequest {
  devices_ids: string[];
}
