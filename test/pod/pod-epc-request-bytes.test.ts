import { describe, expect, it } from 'vitest';
import { podEpcRequestBytes } from '../../src/pod/pod-epc.js';
import type { ContainerLike, PodLike } from '../../src/pod/pod-like.js';
import { QuantityError } from '../../src/pod/quantity.js';

const Mi = 1n << 20n;
const epc = (req?: string, lim?: string, extra: Partial<ContainerLike> = {}): ContainerLike => ({
  name: 'c',
  ...extra,
  resources: {
    ...(req !== undefined ? { requests: { 'sgx.intel.com/epc': req, cpu: '100m' } } : {}),
    ...(lim !== undefined ? { limits: { 'sgx.intel.com/epc': lim } } : {}),
  },
});
const sidecar = (req: string): ContainerLike => epc(req, undefined, { restartPolicy: 'Always' });
const pod = (containers: ContainerLike[], initContainers: ContainerLike[] = [], overhead?: Record<string, string>): PodLike => ({
  metadata: { name: 'p', namespace: 'ns', uid: 'u' },
  spec: { containers, initContainers, ...(overhead ? { overhead } : {}) },
});

// Expected values follow k8s.io/component-helpers/resource PodRequests (AggregateContainerRequests).
const cases: Array<[string, PodLike, bigint]> = [
  ['no EPC anywhere', pod([{ name: 'a', resources: { requests: { cpu: '1' } } }]), 0n],
  ['no resources at all', pod([{ name: 'a' }]), 0n],
  ['empty spec', { metadata: {} }, 0n],
  ['one container', pod([epc('64Mi')]), 64n * Mi],
  ['app containers are summed', pod([epc('64Mi'), epc('32Mi'), { name: 'x' }]), 96n * Mi],
  ['limit only defaults the request', pod([epc(undefined, '16Mi')]), 16n * Mi],
  ['request wins over limit', pod([epc('8Mi', '16Mi')]), 8n * Mi],
  ['init bigger than app sum wins', pod([epc('10Mi')], [epc('100Mi')]), 100n * Mi],
  ['init smaller than app sum', pod([epc('10Mi'), epc('20Mi')], [epc('25Mi')]), 30n * Mi],
  ['init containers are maxed, not summed', pod([epc('1Mi')], [epc('40Mi'), epc('50Mi')]), 50n * Mi],
  ['sidecar is added to the app sum', pod([epc('10Mi')], [sidecar('5Mi')]), 15n * Mi],
  ['init after sidecar needs sidecar too', pod([epc('10Mi')], [sidecar('5Mi'), epc('20Mi')]), 25n * Mi],
  ['init before sidecar does not', pod([epc('10Mi')], [epc('20Mi'), sidecar('5Mi')]), 20n * Mi],
  ['two sidecars cumulate for a later init', pod([epc('1Mi')], [sidecar('5Mi'), sidecar('7Mi'), epc('10Mi')]), 22n * Mi],
  ['sidecars alone beat a small app', pod([], [sidecar('5Mi'), sidecar('7Mi')]), 12n * Mi],
  ['restartPolicy other than Always is a regular init', pod([epc('10Mi')], [epc('5Mi', undefined, { restartPolicy: 'Never' })]), 10n * Mi],
  ['overhead is added', pod([epc('64Mi')], [], { 'sgx.intel.com/epc': '1Mi' }), 65n * Mi],
  ['overhead of other resources ignored', pod([epc('64Mi')], [], { cpu: '250m' }), 64n * Mi],
  ['overhead added after the init max', pod([epc('10Mi')], [epc('100Mi')], { 'sgx.intel.com/epc': '2Mi' }), 102n * Mi],
  ['decimal units', pod([epc('1M')]), 1_000_000n],
];

describe('podEpcRequestBytes (scheduler PodRequests semantics)', () => {
  it.each(cases)('%s', (_name, p, want) => {
    expect(podEpcRequestBytes(p)).toBe(want);
  });

  it('works for any resource name', () => {
    const p = pod([{ name: 'a', resources: { requests: { 'example.com/foo': '3' } } }], [{ name: 'i', resources: { limits: { 'example.com/foo': '5' } } }]);
    expect(podEpcRequestBytes(p, 'example.com/foo')).toBe(5n);
  });

  const bad: Array<[string, PodLike, string]> = [
    ['junk in an app container', pod([epc('lots')]), 'spec.containers[0].resources.requests[sgx.intel.com/epc]'],
    ['junk in an init container', pod([epc('1Mi')], [epc('1Mi'), epc('x')]), 'spec.initContainers[1].resources.requests[sgx.intel.com/epc]'],
    ['negative request', pod([epc('-1Mi')]), 'spec.containers[0].resources.requests[sgx.intel.com/epc]: invalid quantity "-1Mi": is negative'],
    ['fractional bytes (the webhook denies them; the agent no longer rounds up)', pod([epc('1.5')]), 'is not a whole number of bytes'],
    ['zero in one container', pod([epc('1Mi'), epc('0')]), 'spec.containers[1].resources.requests[sgx.intel.com/epc]: invalid quantity "0": is zero'],
    ['junk overhead', pod([epc('1Mi')], [], { 'sgx.intel.com/epc': '??' }), 'spec.overhead[sgx.intel.com/epc]'],
  ];
  it.each(bad)('rejects %s naming the field', (_name, p, text) => {
    expect(() => podEpcRequestBytes(p)).toThrow(QuantityError);
    expect(() => podEpcRequestBytes(p)).toThrow(text);
  });
});
