import { describe, expect, it } from 'vitest';
import { DEFAULT_CONTROLLER_SOCKET_DIRS, DEFAULT_DEVICE_HOST_PATHS } from '../../src/webhook/config.js';
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
    ['/dev/sgx_vepc', '/dev/sgx_vepc'],
    ['/dev/char', '/dev/sgx_enclave'],
    ['/dev/char/10:125', '/dev/sgx_enclave'],
    ['/dev/char/10:124', '/dev/sgx_enclave'],
    ['/dev/char/1:3', '/dev/sgx_enclave'],
    ['/dev/block/8:0', undefined],
    ['/dev/block', undefined],
    ['/proc/1/root', '/dev/sgx_enclave'],
    ['/proc/1/root/dev/sgx_enclave', '/dev/sgx_enclave'],
    ['/proc/self/root/dev', '/dev/sgx_enclave'],
    ['/proc/thread-self/cwd/dev/sgx_provision', '/dev/sgx_provision'],
    ['/proc/1/root/dev/shm', undefined],
    ['/proc', '/dev/sgx_enclave'],
    ['/proc/1', '/dev/sgx_enclave'],
    ['/proc/1/fd/4', '/dev/sgx_enclave'],
    ['/dev/fd', '/dev/sgx_enclave'],
    ['/proc/sys', undefined],
    ['/proc/1/status', undefined],
    ['/var/run/../dev/sgx_enclave', '/dev/sgx_enclave'],
    ['/var/run/../dev/shm', undefined],
    ['/dev/sgx_enclave/', '/dev/sgx_enclave'],
    ['///dev////sgx_provision', '/dev/sgx_provision'],
    ['/var/run/epc', undefined], // the controller's socket dir is its own rule (below)
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

  it('a listed /var/run path matches its /run spelling and the reverse', () => {
    const v = createHostPathMatcher(['/var/run/x']);
    expect(v.match('/run/x/s.sock')).toBe('/var/run/x');
    expect(v.match('/run')).toBe('/var/run/x');
    expect(v.match('/var')).toBe('/var/run/x');
    expect(v.match('/run/y')).toBeUndefined();
    const r = createHostPathMatcher(['/run/x']);
    expect(r.match('/var/run/x')).toBe('/run/x');
    expect(r.match('/var/run')).toBe('/run/x');
    expect(r.match('/var')).toBe('/run/x');
  });

  it('reports what a linked hostPath resolved to', () => {
    expect(m.reach('/dev/sgx_enclave')).toEqual({ listed: '/dev/sgx_enclave' });
    expect(m.reach('/proc/1/root/dev')).toEqual({ listed: '/dev/sgx_enclave', resolved: '/dev' });
    expect(m.reach('/dev/char/10:125')?.resolved).toMatch(/character device/);
    expect(m.reach('/proc/1')?.resolved).toMatch(/^anything \(/);
  });

  it('/dev/char reaches only a custom list that has a path under /dev', () => {
    expect(createHostPathMatcher(['/opt/sgx/dev']).match('/dev/char/10:125')).toBeUndefined();
    expect(createHostPathMatcher(['/dev/my_sgx']).match('/dev/char/10:125')).toBe('/dev/my_sgx');
  });

  it('a custom list: only what is listed (and its ancestors)', () => {
    const c = createHostPathMatcher(['/opt/sgx/dev']);
    expect(c.match('/opt')).toBe('/opt/sgx/dev');
    expect(c.match('/opt/sgx/dev/enclave')).toBe('/opt/sgx/dev');
    expect(c.match('/dev/sgx_enclave')).toBeUndefined();
  });
});

describe('hostPath matching against the controller socket dir', () => {
  const m = createHostPathMatcher(DEFAULT_CONTROLLER_SOCKET_DIRS);
  const cases: Array<[string, string | undefined]> = [
    ['/var/run/epc', '/var/run/epc'],
    ['/var/run/epc/control.sock', '/var/run/epc'],
    ['/var/run/epc/slots/enclave-0/enclave.sock', '/var/run/epc'],
    ['/run/epc', '/var/run/epc'],
    ['/run/epc/control.sock', '/var/run/epc'],
    ['/var/run', '/var/run/epc'],
    ['/run', '/var/run/epc'],
    ['/var', '/var/run/epc'],
    ['/', '/var/run/epc'],
    ['/proc/77/root/var/run/epc/control.sock', '/var/run/epc'],
    ['/proc/1/root', '/var/run/epc'],
    ['/proc', '/var/run/epc'],
    ['/var/run/../run/epc', '/var/run/epc'],
    ['/var/run/epcx', undefined],
    ['/var/run/aesmd', undefined],
    ['/run/containerd', undefined],
    ['/var/lib', undefined],
    ['/dev', undefined],
    ['/dev/char/10:125', undefined],
  ];
  for (const [path, want] of cases) it(`${path} -> ${want ?? 'no match'}`, () => expect(m.match(path)).toBe(want));
});
