/** What a pod asks for, computed once for every component: quantities, the effective EPC request, QoS class, cgroup path. Pure. */
export { podCgroupPath, PodCgroupPathError, type CgroupDriver } from './pod-cgroup-path.js';
export { EPC_RESOURCE, podEpcRequestBytes, podResourceRequest } from './pod-epc-request.js';
export { effectiveRequests, type ContainerLike, type PodLike, type ResourceListLike } from './pod-like.js';
export { computePodQosClass, podQosClass, type QosClass } from './pod-qos-class.js';
export { addQuantities, canonicalQuantity, ceilQuantity, compareQuantities, parseQuantity, parseQuantityExact, QuantityError, type ExactQuantity } from './quantity.js';
