import { describe, expect, it } from 'vitest';
import { resolveHostPath, type ResolvedHostPath } from '../../src/webhook/hostpath-resolve.js';

const path = (p: string): ResolvedHostPath => ({ kind: 'path', path: p });

describe('hostPath resolution through the links the kernel follows', () => {
  const cases: Array<[string, ResolvedHostPath | 'any']> = [
    ['/dev/sgx_enclave', path('/dev/sgx_enclave')],
    ['//dev///sgx_enclave//', path('/dev/sgx_enclave')],
    ['/dev/./x/../sgx_enclave', path('/dev/sgx_enclave')],
    ['/../../dev', path('/dev')],
    ['/', path('/')],
    ['/var/run/epc', path('/run/epc')],
    ['/var/run', path('/run')],
    ['/var/run/../dev', path('/dev')], // /var/run -> /run, /run/.. = /
    ['/var/lib/../run/epc', path('/run/epc')], // /var/lib/.. is /var, then the /var/run link
    ['/var', path('/var')],
    ['/proc/1/root', path('/')],
    ['/proc/1/root/', path('/')],
    ['/proc/self/root/dev/sgx_enclave', path('/dev/sgx_enclave')],
    ['/proc/thread-self/root/run/epc', path('/run/epc')],
    ['/proc/4242/cwd/dev', path('/dev')],
    ['/proc/1/task/1/root/dev/sgx_provision', path('/dev/sgx_provision')],
    ['/proc/1/root/../dev', path('/dev')], // .. at / stays at /
    ['/proc/1/root/var/run/epc', path('/run/epc')],
    ['/proc/1/root/proc/1/root/dev', path('/dev')],
    ['/proc', 'any'],
    ['/proc/', 'any'],
    ['/proc/1', 'any'],
    ['/proc/self', 'any'],
    ['/proc/1/task', 'any'],
    ['/proc/1/task/7', 'any'],
    ['/proc/1/fd', 'any'],
    ['/proc/1/fd/3', 'any'],
    ['/proc/1/map_files/x', 'any'],
    ['/dev/fd/3', 'any'],
    ['/proc/sys/kernel', path('/proc/sys/kernel')],
    ['/proc/cpuinfo', path('/proc/cpuinfo')],
    ['/proc/1/status', path('/proc/1/status')],
    ['/proc/abc/root', path('/proc/abc/root')],
    ['/dev/char', { kind: 'char-device' }],
    ['/dev/char/10:125', { kind: 'char-device' }],
    ['/dev/char/1:3', { kind: 'char-device' }],
    ['/dev/char/../sgx_vepc', path('/dev/sgx_vepc')],
    ['/dev/block/8:0', path('/dev/block/8:0')],
  ];
  for (const [input, want] of cases) {
    it(`${input} -> ${want === 'any' ? 'anything' : want.kind === 'path' ? want.path : want.kind}`, () => {
      const got = resolveHostPath(input);
      if (want === 'any') expect(got.kind).toBe('any');
      else expect(got).toEqual(want);
    });
  }
});
