/** Public surface of the kubelet emulator (tests, demo) and the pod-resources client pieces. */
export { KubeletEmulator, ContainerStartError, type ContainerStartEvent, type KubeletEmulatorOptions } from './kubelet-emulator.js';
export type { EmulatorEvent, EmulatorWarning } from './emulator-events.js';
export type { AdmittedContainer, AdmittedPod } from './pod-admitter.js';
export { AdmissionError, podKey } from './pod-plan.js';
export type { ResourceSnapshot } from './device-registry.js';
export { podResourcesService, type ContainerDevicesMsg, type PodResourcesMsg } from '../../contracts/pod-resources-api.js';
