import type { V1Pod } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import { podCgroupPath, podEpcRequestBytes, podQosClass } from '../../src/pod/index.js';

describe('pod math accepts client-node V1Pod objects', () => {
  it('computes EPC, QoS and cgroup path from a typed V1Pod', () => {
    const pod: V1Pod = {
      metadata: { name: 'p', namespace: 'ns', uid: '0b7c2d1e-3f4a-4b5c-8d6e-7f8091a2b3c4' },
      spec: {
        containers: [{ name: 'app', resources: { limits: { cpu: '1', memory: '1Gi', 'sgx.intel.com/epc': '64Mi' } } }],
        initContainers: [{ name: 'side', restartPolicy: 'Always', resources: { requests: { 'sgx.intel.com/epc': '1Mi' } } }],
        overhead: { 'sgx.intel.com/epc': '1Mi' },
      },
    };
    expect(podEpcRequestBytes(pod)).toBe(66n << 20n);
    expect(podQosClass(pod)).toBe('Burstable');
    expect(podCgroupPath(pod, 'cgroupfs')).toBe('kubepods/burstable/pod0b7c2d1e-3f4a-4b5c-8d6e-7f8091a2b3c4');
  });
});
