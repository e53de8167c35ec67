import { describe, expect, it } from 'vitest';
import type { ContainerLike, PodLike } from '../../src/pod/pod-like.js';
import { computePodQosClass, podQosClass, type QosClass } from '../../src/pod/pod-qos-class.js';

const c = (requests?: Record<string, string>, limits?: Record<string, string>): ContainerLike => ({ name: 'c', resources: { requests, limits } });
const pod = (containers: ContainerLike[], initContainers: ContainerLike[] = [], extra: Partial<NonNullable<PodLike['spec']>> = {}): PodLike => ({
  spec: { containers, initContainers, ...extra },
});
const full = { cpu: '1', memory: '1Gi' };

// Mirrors the cases of pkg/apis/core/v1/helper/qos TestComputePodQOS.
const cases: Array<[string, PodLike, QosClass]> = [
  ['no resources', pod([c(), c()]), 'BestEffort'],
  ['only extended resources', pod([c({ 'sgx.intel.com/epc': '64Mi' }, { 'sgx.intel.com/epc': '64Mi' })]), 'BestEffort'],
  ['zero requests are ignored', pod([c({ cpu: '0', memory: '0' })]), 'BestEffort'],
  ['limits equal requests', pod([c(full, full)]), 'Guaranteed'],
  ['limits only (requests default to them)', pod([c(undefined, full)]), 'Guaranteed'],
  ['equal across forms (1 == 1000m)', pod([c({ cpu: '1000m', memory: '1024Mi' }, full)]), 'Guaranteed'],
  ['two guaranteed containers', pod([c(full, full), c(full, full)]), 'Guaranteed'],
  ['one container without memory limit', pod([c(full, full), c({ cpu: '1' }, { cpu: '1' })]), 'Burstable'],
  ['requests below limits', pod([c({ cpu: '500m', memory: '1Gi' }, full)]), 'Burstable'],
  ['request only', pod([c({ memory: '10Mi' })]), 'Burstable'],
  ['one best effort + one burstable', pod([c(), c({ cpu: '1' })]), 'Burstable'],
  ['init container without limits breaks Guaranteed', pod([c(full, full)], [c({ cpu: '1' })]), 'Burstable'],
  ['guaranteed init and app', pod([c(full, full)], [c(full, full)]), 'Guaranteed'],
  ['extended resource does not affect guaranteed', pod([c({ ...full, 'sgx.intel.com/epc': '1Mi' }, full)]), 'Guaranteed'],
  ['pod-level resources decide: guaranteed', pod([c()], [], { resources: { limits: full } }), 'Guaranteed'],
  ['pod-level resources decide: burstable', pod([c(full, full)], [], { resources: { requests: { cpu: '1' } } }), 'Burstable'],
];

describe('podQosClass (ComputePodQOS)', () => {
  it.each(cases)('%s -> %s', (_name, p, want) => {
    expect(computePodQosClass(p)).toBe(want);
    expect(podQosClass(p)).toBe(want);
  });

  it('uses status.qosClass when the API server set it', () => {
    expect(podQosClass({ ...pod([c()]), status: { qosClass: 'Guaranteed' } })).toBe('Guaranteed');
  });

  it('ignores an unknown status.qosClass and computes', () => {
    expect(podQosClass({ ...pod([c()]), status: { qosClass: 'Gold' } })).toBe('BestEffort');
  });

  it('rejects a junk cpu quantity naming the field', () => {
    expect(() => computePodQosClass(pod([c({ cpu: 'fast' })]))).toThrow('spec.containers[0].resources.requests[cpu]');
  });
});
