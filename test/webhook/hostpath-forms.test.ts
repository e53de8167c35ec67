/**
 * Every hostPath form the kernel resolves, through the whole admission decision: a pod with no
 * EPC and a pod declaring EPC, under both policies, on both endpoints.
 */
import { describe, expect, it } from 'vitest';
import { handleAdmission } from '../../src/webhook/admission-handler.js';
import { resolveWebhookConfig } from '../../src/webhook/config.js';
import { podReview } from './pod-review.js';

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
  const r = handleAdmission(endpoint, podReview(object), policies[policy]);
  return { labels: r.labels, response: (r.body as any).response };
}

/**
 * [hostPath, SGX device a container without EPC reaches (undefined: none), reaches the
 * controller's socket dir (denied for every pod), what the message says it resolved to]
 */
const forms: Array<[string, string | undefined, boolean, RegExp?]> = [
  ['/dev/sgx_enclave', '/dev/sgx_enclave', false],
  ['/dev/sgx_provision', '/dev/sgx_provision', false],
  ['/dev/sgx_vepc', '/dev/sgx_vepc', false],
  ['/dev/sgx/enclave', '/dev/sgx', false],
  ['/dev/isgx', '/dev/isgx', false],
  ['/dev', '/dev/sgx_enclave', false],
  ['//dev//sgx_enclave//', '/dev/sgx_enclave', false],
  ['/dev/shm/../sgx_enclave', '/dev/sgx_enclave', false],
  ['/var/run/../dev/sgx_enclave', '/dev/sgx_enclave', false, /resolves to \/dev\/sgx_enclave/],
  ['/proc/1/root/dev', '/dev/sgx_enclave', false, /resolves to \/dev,/],
  ['/proc/self/root/dev/sgx_enclave', '/dev/sgx_enclave', false, /resolves to \/dev\/sgx_enclave,/],
  ['/proc/thread-self/root/dev/sgx_provision', '/dev/sgx_provision', false],
  ['/proc/1/cwd/dev/sgx_vepc', '/dev/sgx_vepc', false],
  ['/proc/1/task/1/root/dev', '/dev/sgx_enclave', false],
  ['/dev/char', '/dev/sgx_enclave', false, /character device/],
  ['/dev/char/10:125', '/dev/sgx_enclave', false, /character device/],
  ['/dev/char/10:126', '/dev/sgx_enclave', false, /character device/],
  // reach the controller's socket dir too
  ['/', '/dev/sgx_enclave', true],
  ['/proc/1/root', '/dev/sgx_enclave', true, /resolves to \/,/],
  ['/proc', '/dev/sgx_enclave', true, /resolves to anything/],
  ['/proc/1', '/dev/sgx_enclave', true, /resolves to anything/],
  ['/proc/1/fd/5', '/dev/sgx_enclave', true, /resolves to anything/],
  ['/dev/fd/5', '/dev/sgx_enclave', true, /resolves to anything/],
  ['/var/run/epc', undefined, true],
  ['/run/epc', undefined, true],
  ['/var/run/epc/control.sock', undefined, true],
  ['/run/epc/slots/enclave-1', undefined, true],
  ['//var//run//epc//', undefined, true],
  ['/var/run', undefined, true],
  ['/run', undefined, true],
  ['/var', undefined, true],
  ['/var/lib/../run/epc', undefined, true],
  ['/proc/1/root/run/epc', undefined, true, /resolves to \/run\/epc/],
  ['/proc/self/cwd/var/run/epc/control.sock', undefined, true],
  // reach nothing
  ['/dev/shm', undefined, false],
  ['/dev/block/8:0', undefined, false],
  ['/proc/1/root/dev/shm', undefined, false],
  ['/proc/sys', undefined, false],
  ['/var/lib/app', undefined, false],
  ['/var/run/aesmd', undefined, false],
  ['/run/containerd/containerd.sock', undefined, false],
  ['/var/run/epcx', undefined, false],
];

describe('hostPath forms through /mutate and /validate', () => {
  for (const [path, device, controller, resolved] of forms) {
    for (const policy of ['default', 'strict'] as const) {
      for (const withEpc of [false, true]) {
        const want = controller ? 'hostpath-controller-socket' : device && !withEpc ? 'hostpath-device' : undefined;
        it(`${policy}: ${path} ${withEpc ? 'with' : 'without'} EPC -> ${want ? `denied [rule ${want}]` : 'allowed'}`, () => {
          for (const endpoint of ['mutate', 'validate'] as const) {
            const { labels, response } = decide(endpoint, pod(path, withEpc), policy);
            if (want === undefined) {
              expect(response.allowed, response.status?.message).toBe(true);
              continue;
            }
            expect(labels).toEqual({ rule: want, result: 'denied' });
            const message: string = response.status.message;
            if (controller) {
              expect(message).toContain(`volume "h" is hostPath ${path} (`);
              expect(message).toMatch(/reaches \/var\/run\/epc\), the epc controller's socket dir \(control\.sock\): no pod may mount it.*\[rule hostpath-controller-socket\]/);
            }
            if (device && !withEpc) {
              expect(message).toContain(`mounts hostPath ${path} (volume "h", `);
              expect(message).toContain(`reaches ${device})`);
              expect(message).toContain('[rule hostpath-device]');
            }
            if (resolved) expect(message).toMatch(resolved);
          }
        });
      }
    }
  }

  it('the socket dir is configurable (controllerSocketDirs), and an empty list turns the rule off', () => {
    const body = (p: string) => podReview(pod(p, true));
    const moved = resolveWebhookConfig({ controllerSocketDirs: ['/srv/epc/'] });
    expect(handleAdmission('mutate', body('/srv'), moved).labels).toEqual({ rule: 'hostpath-controller-socket', result: 'denied' });
    expect(handleAdmission('mutate', body('/srv/epc/control.sock'), moved).labels.result).toBe('denied');
    expect(handleAdmission('mutate', body('/var/run/epc'), moved).labels.result).toBe('allowed');
    const off = resolveWebhookConfig({ controllerSocketDirs: [] });
    expect(handleAdmission('mutate', body('/var/run/epc'), off).labels.result).toBe('allowed');
  });

  it('excluded namespaces (the agent and controller) may mount it', () => {
    const c = resolveWebhookConfig({ excludedNamespaces: ['sgx-epc-system'] });
    const object = { ...pod('/var/run/epc', false), metadata: { name: 'agent-x', namespace: 'sgx-epc-system' } };
    const r = handleAdmission('validate', podReview(object, 'sgx-epc-system'), c);
    expect(r.labels).toEqual({ rule: 'excluded-namespace', result: 'allowed' });
  });

  it('deviceHostPaths stays configurable: a custom device list is resolved the same way', () => {
    const custom = resolveWebhookConfig({ deviceHostPaths: ['/opt/sgx/enclave'] });
    const body = (p: string) => podReview(pod(p, false));
    expect(handleAdmission('validate', body('/proc/1/root/opt/sgx/enclave'), custom).labels.result).toBe('denied');
    expect(handleAdmission('validate', body('/opt'), custom).labels.result).toBe('denied');
    expect(handleAdmission('validate', body('/dev/sgx_enclave'), custom).labels.result).toBe('allowed');
  });
});
