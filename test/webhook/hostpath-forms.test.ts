/**
 * Every hostPath form the kernel resolves, through the whole admission decision: a pod with no
 * EPC and a pod declaring EPC, under both policies, on both endpoints.
 */
import { describe, expect, it } from 'vitest';
import { handleAdmission } from '../../src/webhook/admission-handler.js';
import { resolveWebhookConfig } from '../../src/webhook/config.js';

const EPC = 'sgx.intel.com/epc';
const policies = { default: resolveWebhookConfig(), strict: resolveWebhookConfig({ policy: 'strict' }) };

function pod(hostPath: string, withEpc: boolean) {
  const resources = withEpc ? { requests: { [EPC]: '8Mi', 'sgx.intel.com/enclave': '1' }, limits: { [EPC]: '8Mi', 'sgx.intel.com/enclave': '1' } } : undefined;
  return {
    metadata: { name: 'p', namespace: 'team-a', ...(withEpc ? { annotations: { [EPC]: '8Mi' } } : {}) },
    spec: { containers: [{ name: 'app', ...(resources ? { resources } : {}), volumeMounts: [{ name: 'h', mountPath: '/host' }] }], volumes: [{ name: 'h', hostPath: { path: hostPath } }] },
  };
}
function decide(endpoint: 'mutate' | 'validate', object: unknown, policy: keyof typeof policies) {
  const body = { apiVersion: 'admission.k8s.io/v1', kind: 'AdmissionReview', request: { uid: 'u', kind: { group: '', version: 'v1', kind: 'Pod' }, namespace: 'team-a', operation: 'CREATE', object } };
  const r = handleAdmission(endpoint, body, policies[policy]);
  return { labels: r.labels, response: (r.body as any).response };
}

/** [hostPath, what a container without EPC gets (device reached, or allowed), what the message says it resolved to] */
const deviceForms: Array<[string, string | undefined, RegExp?]> = [
  ['/dev/sgx_enclave', '/dev/sgx_enclave'],
  ['/dev/sgx_provision', '/dev/sgx_provision'],
  ['/dev/sgx_vepc', '/dev/sgx_vepc'],
  ['/dev/sgx/enclave', '/dev/sgx'],
  ['/dev/isgx', '/dev/isgx'],
  ['/dev', '/dev/sgx_enclave'],
  ['/', '/dev/sgx_enclave'],
  ['//dev//sgx_enclave//', '/dev/sgx_enclave'],
  ['/dev/shm/../sgx_enclave', '/dev/sgx_enclave'],
  ['/var/run/../dev/sgx_enclave', '/dev/sgx_enclave', /resolves to \/dev\/sgx_enclave/],
  ['/proc/1/root', '/dev/sgx_enclave', /resolves to \/,/],
  ['/proc/1/root/dev', '/dev/sgx_enclave', /resolves to \/dev,/],
  ['/proc/self/root/dev/sgx_enclave', '/dev/sgx_enclave', /resolves to \/dev\/sgx_enclave,/],
  ['/proc/thread-self/root/dev/sgx_provision', '/dev/sgx_provision'],
  ['/proc/1/cwd/dev/sgx_vepc', '/dev/sgx_vepc'],
  ['/proc/1/task/1/root/dev', '/dev/sgx_enclave'],
  ['/proc', '/dev/sgx_enclave', /resolves to anything/],
  ['/proc/1', '/dev/sgx_enclave', /resolves to anything/],
  ['/proc/1/fd/5', '/dev/sgx_enclave', /resolves to anything/],
  ['/dev/fd/5', '/dev/sgx_enclave', /resolves to anything/],
  ['/dev/char', '/dev/sgx_enclave', /character device/],
  ['/dev/char/10:125', '/dev/sgx_enclave', /character device/],
  ['/dev/char/10:126', '/dev/sgx_enclave', /character device/],
  ['/dev/shm', undefined],
  ['/dev/block/8:0', undefined],
  ['/proc/1/root/dev/shm', undefined],
  ['/proc/sys', undefined],
  ['/var/lib/app', undefined],
];

describe('hostPath forms through /mutate and /validate', () => {
  for (const [path, device, resolved] of deviceForms) {
    for (const policy of ['default', 'strict'] as const) {
      it(`${policy}: ${path} without EPC -> ${device ? `denied (reaches ${device})` : 'allowed'}`, () => {
        for (const endpoint of ['mutate', 'validate'] as const) {
          const { labels, response } = decide(endpoint, pod(path, false), policy);
          if (device === undefined) {
            expect(response.allowed, response.status?.message).toBe(true);
            continue;
          }
          expect(labels).toEqual({ rule: 'hostpath-device', result: 'denied' });
          expect(response.status.message).toContain(`mounts hostPath ${path} (volume "h", `);
          expect(response.status.message).toContain(`reaches ${device})`);
          if (resolved) expect(response.status.message).toMatch(resolved);
        }
      });
      it(`${policy}: ${path} with EPC -> allowed (bounded by the pod's limit)`, () => {
        for (const endpoint of ['mutate', 'validate'] as const) {
          const { response } = decide(endpoint, pod(path, true), policy);
          expect(response.allowed, response.status?.message).toBe(true);
        }
      });
    }
  }

  it('deviceHostPaths stays configurable: a custom device list is resolved the same way', () => {
    const custom = resolveWebhookConfig({ deviceHostPaths: ['/opt/sgx/enclave'] });
    const body = (p: string) => ({ apiVersion: 'admission.k8s.io/v1', kind: 'AdmissionReview', request: { uid: 'u', kind: { group: '', version: 'v1', kind: 'Pod' }, namespace: 'team-a', operation: 'CREATE', object: pod(p, false) } });
    expect(handleAdmission('validate', body('/proc/1/root/opt/sgx/enclave'), custom).labels.result).toBe('denied');
    expect(handleAdmission('validate', body('/opt'), custom).labels.result).toBe('denied');
    expect(handleAdmission('validate', body('/dev/sgx_enclave'), custom).labels.result).toBe('allowed');
  });
});
