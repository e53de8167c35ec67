/** What a pod asks for, computed once for every component: quantities, the effective EPC request, QoS class, cgroup path. Pure. */
export { podCgroupPath, PodCgroupPathError, type CgroupDriver } from './pod-cgroup-path.js';
export { containerAmounts, effectivePodRequest, ENCLAVE_RESOURCE, EPC_PAGE_BYTES, EPC_RESOURCE, podEpc, podEpcRequestBytes, podOverhead, PROVISION_RESOURCE, type ContainerAmount, type PodEpc } from './pod-epc.js';
export { effectiveRequests, type ContainerLike, type PodLike, type ResourceListLike } from './pod-like.js';
export { computePodQosClass, podQosClass, type QosClass } from './pod-qos-class.js';
export { podContainers, type ContainerRef } from './pod-view.js';
export {
  addQuantities, canonicalQuantity, ceilQuantity, compareQuantities, formatBytes, parseByteQuantity, parseQuantity, parseQuantityExact, quantityValue, QuantityError,
  type ByteCount, type ExactQuantity, type QuantityParse,
} from './quantity.js';
export { validateResourceName } from './resource-name.js';
