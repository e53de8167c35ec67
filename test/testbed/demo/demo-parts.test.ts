import { describe, expect, it } from 'vitest';
import { containerEnv } from '../../../src/testbed/demo/container-env.js';
import { defaultScenario } from '../../../src/testbed/demo/default-scenario.js';
import { soloDurationMs } from '../../../src/testbed/demo/run-demo.js';
import { statusLine } from '../../../src/testbed/demo/run-phase.js';
import { tenantPod } from '../../../src/testbed/demo/tenant-pod.js';
import { podEpcRequestBytes } from '../../../src/pod/pod-epc.js';

describe('containerEnv', () => {
  it('rewrites an env value naming a mounted container path, or a path below a mounted dir, to its host path', () => {
    expect(containerEnv({
      'sgx.intel.com/enclave': {
        envs: { EPC_ENCLAVE_SOCKET: '/var/run/epc/enclave.sock', EPC_ENCLAVE_SLOT: 'enclave-3' },
        mounts: [{ container_path: '/var/run/epc', host_path: '/tmp/x/ctl/slots/enclave-3', read_only: false }],
      },
      'sgx.intel.com/provision': { envs: { EPC_PROVISION_SLOT: 'provision-1' } },
    })).toEqual({ EPC_ENCLAVE_SOCKET: '/tmp/x/ctl/slots/enclave-3/enclave.sock', EPC_ENCLAVE_SLOT: 'enclave-3', EPC_PROVISION_SLOT: 'provision-1' });
  });

  it('leaves values that are not mount paths alone', () => {
    expect(containerEnv({ r: { envs: { A: '/dev/sgx_enclave' }, devices: [] } })).toEqual({ A: '/dev/sgx_enclave' });
  });
});

describe('tenant pods', () => {
  it('request the tenant\'s EPC (scheduler semantics) and no enclave slot (the webhook adds it)', () => {
    for (const t of defaultScenario().tenants) {
      const pod = tenantPod(t, { nodeName: 'n1', run: 'on' });
      expect(Number(podEpcRequestBytes(pod))).toBe(t.requestBytes);
      expect(JSON.stringify(pod)).not.toContain('sgx.intel.com/enclave');
      expect(pod.spec.nodeName).toBe('n1');
    }
  });
});

describe('phases', () => {
  it('solo phases are a third of a run, at least 5 s (a first pass at the quiet tenants\' rate and 1 s)', () => {
    expect(soloDurationMs(30_000)).toBe(10_000);
    expect(soloDurationMs(3000)).toBe(5000);
  });

  it('status line shows resident EPC and paging rate over the last 2 s', () => {
    const [a, , c] = defaultScenario().tenants;
    const line = statusLine('on', [a, c], [
      [{ t: 0, currentBytes: 0, evicted: 0, reloaded: 0 }, { t: 2, currentBytes: 48 * 1048576, evicted: 0, reloaded: 0 }],
      [{ t: 0, currentBytes: 0, evicted: 0, reloaded: 0 }, { t: 1, currentBytes: 0, evicted: 100, reloaded: 100 }, { t: 2, currentBytes: 64 * 1048576, evicted: 5000, reloaded: 3000 }],
    ], 2100);
    expect(line).toBe('on   t=2s  quiet-a 48Mi 0 pg/s | noisy-c 64Mi 4000 pg/s');
  });
});
