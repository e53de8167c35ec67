/** Kubernetes pieces of the agent: pod math, the node-scoped pod informer, the Node advertiser and the API server double. */
export { ApiServerDouble, type ApiServerDoubleOptions, type Fault, type RequestLogEntry } from '../testbed/api-server/api-server-double.js';
export type { ApiStatus } from '../testbed/api-server/api-status.js';
export { describeApiError, type ApiErrorInfo } from './describe-api-error.js';
export { detectCgroupDriver } from './detect-cgroup-driver.js';
export {
  ApiNodeAdvertiser,
  NodeAdvertiser,
  NullAdvertiser,
  SGX_CAPABLE_LABEL,
  type AdvertiseResult,
  type Advertiser,
  type NodeAdvertiserOptions,
} from './node-advertiser.js';
export { podCgroupPath, PodCgroupPathError, type CgroupDriver } from '../pod/pod-cgroup-path.js';
export { EPC_RESOURCE, podEpcRequestBytes, podResourceRequest } from '../pod/pod-epc-request.js';
export { PodInformer, type PodEvent, type PodEventType, type PodInformerOptions } from './pod-informer.js';
export { effectiveRequests, type ContainerLike, type PodLike, type ResourceListLike } from '../pod/pod-like.js';
export { computePodQosClass, podQosClass, type QosClass } from '../pod/pod-qos-class.js';
export { addQuantities, canonicalQuantity, ceilQuantity, compareQuantities, parseQuantity, parseQuantityExact, QuantityError, type ExactQuantity } from '../pod/quantity.js';
