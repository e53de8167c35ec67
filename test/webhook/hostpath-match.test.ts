import { describe, expect, it } from 'vitest';
import { DEFAULT_DEVICE_HOST_PATHS } from '../../src/webhook/config.js';
import { createHostPathMatcher } from '../../src/webhook/hostpath-match.js';

describe('hostPath matching against SGX device paths', () => {
  const m = createHostPathMatcher(DEFAULT_DEVICE_HOST_PATHS);
  const cases: Array<[string, string | undefined]> = [
    ['/dev/sgx_enclave', '/dev/sgx_enclave'],
    ['/dev/sgx_provision', '/dev/sgx_provision'],
    ['/dev/isgx', '/dev/isgx'],
    ['/dev/sgx', '/dev/sgx'],
    ['/dev/sgx/enclave', '/dev/sgx'],
    ['/dev', '/dev/sgx_enclave'],
    ['/dev/', '/dev/sgx_enclave'],
    ['/', '/dev/sgx_enclave'],
    ['//dev//sgx_enclave/', '/dev/sgx_enclave'],
    ['/dev/../dev/./sgx_enclave', '/dev/sgx_enclave'],
    ['/var/run/epc', '/var/run/epc'],
    ['/var/run/epc/enclave.sock', '/var/run/epc'],
    ['/run/epc/control.sock', '/run/epc'],
    ['/var/run', '/var/run/epc'],
    ['/run', '/run/epc'],
    ['/var', '/var/run/epc'],
    ['/var/run/aesmd', undefined],
    ['/run/containerd', undefined],
    ['/var/run/epcx', undefined],
    ['/var/lib/kubelet', undefined],
    ['/dev/shm', undefined],
    ['/dev/fuse', undefined],
    ['/dev/sgx_enclave2', undefined],
    ['/devices', undefined],
    ['relative/dev', undefined],
  ];
  for (const [path, want] of cases) it(`${path} -> ${want ?? 'no match'}`, () => expect(m.match(path)).toBe(want));

  it('a custom list: only what is listed (and its ancestors)', () => {
    const c = createHostPathMatcher(['/opt/sgx/dev']);
    expect(c.match('/opt')).toBe('/opt/sgx/dev');
    expect(c.match('/opt/sgx/dev/enclave')).toBe('/opt/sgx/dev');
    expect(c.match('/dev/sgx_enclave')).toBeUndefined();
  });
});
