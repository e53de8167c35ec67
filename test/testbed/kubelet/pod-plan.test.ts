import { describe, expect, it } from 'vitest';
import { AdmissionError, planContainers } from '../../../src/testbed/kubelet/pod-plan.js';

const R = 'sgx.intel.com/enclave';
const isDev = (r: string) => r === R;

describe('planContainers', () => {
  it.each([
    {
      name: 'init, sidecar and app containers in start order; non-device resources ignored',
      pod: {
        metadata: { name: 'p' },
        spec: {
          initContainers: [{ name: 'i', resources: { limits: { [R]: '1' } } }, { name: 's', restartPolicy: 'Always', resources: { requests: { [R]: 2, 'sgx.intel.com/epc': '10Mi' } } }],
          containers: [{ name: 'a', resources: { requests: { [R]: '1', cpu: '100m' }, limits: { [R]: '1' } } }, { name: 'b' }],
        },
      },
      want: [
        { name: 'i', kind: 'init', requests: [[R, 1]] },
        { name: 's', kind: 'sidecar', requests: [[R, 2]] },
        { name: 'a', kind: 'app', requests: [[R, 1]] },
        { name: 'b', kind: 'app', requests: [] },
      ],
    },
    { name: 'zero request counts as none', pod: { metadata: { name: 'p' }, spec: { containers: [{ name: 'a', resources: { requests: { [R]: '0' } } }] } }, want: [{ name: 'a', kind: 'app', requests: [] }] },
    { name: 'quantity with suffix', pod: { metadata: { name: 'p' }, spec: { containers: [{ name: 'a', resources: { requests: { [R]: '1k' } } }] } }, want: [{ name: 'a', kind: 'app', requests: [[R, 1000]] }] },
  ])('$name', ({ pod, want }) => {
    const got = planContainers(pod, isDev).map((c) => ({ name: c.name, kind: c.kind, requests: [...c.requests] }));
    expect(got).toEqual(want);
  });

  it.each([
    { name: 'no name', pod: { metadata: {}, spec: { containers: [{ name: 'a' }] } }, msg: /metadata\.name is required/ },
    { name: 'no containers', pod: { metadata: { name: 'p' }, spec: { containers: [] } }, msg: /spec\.containers must list/ },
    { name: 'not an object', pod: null, msg: /metadata\.name is required/ },
    { name: 'container without name', pod: { metadata: { name: 'p' }, spec: { containers: [{}] } }, msg: /spec\.containers\[0\]\.name is required/ },
    { name: 'duplicate names', pod: { metadata: { name: 'p' }, spec: { initContainers: [{ name: 'a' }], containers: [{ name: 'a' }] } }, msg: /duplicate container name "a"/ },
    { name: 'fractional', pod: { metadata: { name: 'p' }, spec: { containers: [{ name: 'a', resources: { requests: { [R]: '500m' } } }] } }, msg: /must be a whole number/ },
    { name: 'garbage quantity', pod: { metadata: { name: 'p' }, spec: { containers: [{ name: 'a', resources: { requests: { [R]: 'lots' } } }] } }, msg: /spec\.containers\[0\]\.resources\.requests\[sgx\.intel\.com\/enclave\]: invalid quantity "lots"/ },
    { name: 'request differs from limit', pod: { metadata: { name: 'p' }, spec: { containers: [{ name: 'a', resources: { requests: { [R]: '1' }, limits: { [R]: '2' } } }] } }, msg: /request and limit of sgx\.intel\.com\/enclave must be equal/ },
  ])('rejects $name', ({ pod, msg }) => {
    expect(() => planContainers(pod as never, isDev)).toThrow(AdmissionError);
    expect(() => planContainers(pod as never, isDev)).toThrow(msg);
  });
});
