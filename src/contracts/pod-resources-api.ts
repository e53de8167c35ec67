/**
 * Kubelet's pod-resources v1 API (proto/podresources-v1.proto): the messages as proto-loader
 * hands them over, the service, and the one method path the agent's narrow decoder calls.
 */
import type { ServiceClientConstructor } from '@grpc/grpc-js';
import { loadGrpcPackage } from './load-proto.js';

/** gRPC method path of `PodResourcesLister.List`. */
export const POD_RESOURCES_LIST_PATH = '/v1.PodResourcesLister/List';

/** pod-resources v1 `ContainerDevices`. */
export interface ContainerDevicesMsg {
  resource_name: string;
  device_ids: string[];
}

/** pod-resources v1 `PodResources` (no UID, no requests: those come from the API server). */
export interface PodResourcesMsg {
  name: string;
  namespace: string;
  containers: { name: string; devices: ContainerDevicesMsg[]; cpu_ids: number[]; memory: unknown[]; dynamic_resources: unknown[] }[];
}

/** The pod-resources v1 service constructor (the kubelet emulator serves it; tests call it). */
export function podResourcesService(): ServiceClientConstructor {
  return loadGrpcPackage('src/contracts/proto/podresources-v1.proto', 'v1').PodResourcesLister as ServiceClientConstructor;
}

