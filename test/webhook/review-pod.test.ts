import { describe, expect, it } from 'vitest';
import { handleAdmission } from '../../src/webhook/admission-handler.js';
import { resolveWebhookConfig } from '../../src/webhook/config.js';
import { reviewPodCreate } from '../../src/webhook/review-pod.js';

const EPC = 'sgx.intel.com/epc';
const config = resolveWebhookConfig();
const strict = resolveWebhookConfig({ policy: 'strict' });

function podWith(containers: unknown[], extra: Record<string, unknown> = {}) {
  return { metadata: { name: 'p', namespace: 'default' }, spec: { containers, ...extra } };
}
function epc(name: string, request: unknown, limit: unknown = request) {
  return { name, resources: { requests: { [EPC]: request }, limits: { [EPC]: limit } } };
}
function review(object: unknown, operation = 'CREATE', oldObject: unknown = null) {
  return { apiVersion: 'admission.k8s.io/v1', kind: 'AdmissionReview', request: { uid: 'u-1', kind: { group: '', version: 'v1', kind: 'Pod' }, namespace: 'default', operation, object, oldObject } };
}

describe('pod rules (pure), one case per rule', () => {
  const denied: Array<[string, unknown, string, RegExp]> = [
    ['EPC that does not parse', podWith([epc('a', '10 Mi')]), 'epc-invalid', /container "a": sgx\.intel\.com\/epc request "10 Mi" is not a valid quantity/],
    ['fractional EPC', podWith([epc('a', '0.5')]), 'epc-invalid', /whole number of bytes/],
    ['zero EPC', podWith([epc('a', '0')]), 'epc-not-positive', /is zero/],
    ['negative EPC', podWith([epc('a', '-4Mi')]), 'epc-not-positive', /is negative/],
    ['requests != limits', podWith([epc('a', '4Mi', '8Mi')]), 'epc-requests-limits-mismatch', /request 4Mi differs from limit 8Mi/],
    ['below the smallest enclave', podWith([epc('tiny', '8Ki')]), 'epc-below-min-enclave', /container "tiny": .*8192 bytes is below the smallest possible enclave \(12288 bytes/],
    ['provision without EPC', podWith([{ name: 'q', resources: { limits: { 'sgx.intel.com/provision': '1' } } }]), 'enclave-without-epc', /container "q" requests sgx\.intel\.com\/provision without/],
    ['init container with enclave, no EPC', podWith([], { initContainers: [{ name: 'i', resources: { requests: { 'sgx.intel.com/enclave': '1' } } }] }), 'enclave-without-epc', /init container "i" requests/],
    ['sidecar mounting /dev/sgx', podWith([], { initContainers: [{ name: 's', restartPolicy: 'Always', volumeMounts: [{ name: 'd', mountPath: '/x' }] }], volumes: [{ name: 'd', hostPath: { path: '/dev/sgx' } }] }), 'hostpath-device', /sidecar container "s" mounts hostPath \/dev\/sgx/],
  ];
  for (const [name, pod, rule, message] of denied) {
    it(`denies: ${name}`, () => {
      for (const endpoint of ['mutate', 'validate'] as const) {
        const r = handleAdmission(endpoint, review(pod), config);
        const resp = (r.body as any).response;
        expect(resp.allowed).toBe(false);
        expect(resp.status).toMatchObject({ code: 403, reason: 'Forbidden' });
        expect(resp.status.message).toMatch(message);
        expect(resp.status.message).toContain(`[rule ${rule}]`);
        expect(r.labels).toEqual({ rule, result: 'denied' });
      }
    });
  }

  it('EPC over the per-pod maximum counts init/sidecar semantics, not the plain sum', () => {
    const c = resolveWebhookConfig({ maxPodEpc: '20Mi' });
    const pod = podWith([epc('a', '10Mi')], { initContainers: [epc('i', '20Mi')] });
    expect(handleAdmission('mutate', review(pod), c).labels.result).toBe('patched');
    const over = podWith([epc('a', '10Mi'), epc('b', '11Mi')]);
    expect(handleAdmission('mutate', review(over), c).labels).toEqual({ rule: 'epc-exceeds-max', result: 'denied' });
  });

  it('a hostPath to a device is fine for a container that declares EPC (it goes through the plugin)', () => {
    const pod = podWith([{ ...epc('a', '8Mi'), volumeMounts: [{ name: 'd', mountPath: '/dev/sgx_enclave' }] }], { volumes: [{ name: 'd', hostPath: { path: '/dev/sgx_enclave' } }] });
    expect(reviewPodCreate(pod, config).violations).toEqual([]);
  });

  it('a privileged container in a pod without SGX: a warning by default, denied in strict (it reaches /dev/sgx_enclave)', () => {
    const pod = podWith([{ name: 'p', securityContext: { privileged: true } }]);
    const r = handleAdmission('validate', review(pod), strict);
    expect(r.labels).toEqual({ rule: 'privileged', result: 'denied' });
    expect((r.body as any).response.status.message).toMatch(/^container "p" is privileged: it gets the host's \/dev, \/dev\/sgx_enclave included.*; drop privileged .* or exclude the namespace .*\[rule privileged\]$/);
    const d = handleAdmission('validate', review(pod), config);
    expect(d.labels).toEqual({ rule: 'non-sgx-pod', result: 'allowed' });
    expect((d.body as any).response.warnings).toEqual([expect.stringMatching(/container "p" is privileged.*\(denied with policy strict\)$/)]);
  });

  it('UPDATE: annotation unchanged is allowed; an ephemeral container mounting /dev is denied only in a pod without EPC', () => {
    const old = { ...podWith([epc('a', '8Mi')]), metadata: { name: 'p', annotations: { [EPC]: '8388608' } } };
    const same = structuredClone(old);
    expect(handleAdmission('validate', review(same, 'UPDATE', old), config).labels.result).toBe('allowed');
    const debugOf = (pod: any) => {
      const old = structuredClone(pod);
      old.spec.volumes = [{ name: 'dev', hostPath: { path: '/dev' } }];
      const debug = structuredClone(old);
      debug.spec.ephemeralContainers = [{ name: 'dbg', volumeMounts: [{ name: 'dev', mountPath: '/dev' }] }];
      const r = review(debug, 'UPDATE', old);
      return handleAdmission('validate', { ...r, request: { ...r.request, subResource: 'ephemeralcontainers' } }, config);
    };
    // EPC pod: the debug container runs in the pod's cgroup, under its EPC limit.
    expect(debugOf(old).labels).toEqual({ rule: 'sgx-pod', result: 'allowed' });
    const r = debugOf(podWith([{ name: 'a' }]));
    expect(r.labels).toEqual({ rule: 'hostpath-device', result: 'denied' });
    expect((r.body as any).response.status.message).toMatch(/ephemeral container "dbg" mounts hostPath \/dev .* declares no sgx\.intel\.com\/epc/);
  });

  it('DELETE and other subresources are allowed untouched', () => {
    expect(handleAdmission('validate', review(null, 'DELETE'), config).labels.result).toBe('allowed');
    const binding = review({ target: { name: 'node1' } });
    (binding.request as any).subResource = 'binding';
    expect((handleAdmission('mutate', binding, config).body as any).response).toEqual({ uid: 'u-1', allowed: true });
  });

  it('mutation creates missing parents: resources, metadata, annotations, env, volumes', () => {
    const pod = { spec: { containers: [{ name: 'a', resources: { limits: { [EPC]: '8Mi' } } }] } };
    const withAnnotation = { ...pod, metadata: { annotations: { 'sgx.intel.com/quote-provider': 'aesmd' } } };
    const r = handleAdmission('mutate', review(withAnnotation), config);
    const ops = JSON.parse(Buffer.from((r.body as any).response.patch, 'base64').toString());
    expect(ops).toEqual([
      { op: 'add', path: '/spec/containers/0/resources/requests', value: { 'sgx.intel.com/enclave': '1' } },
      { op: 'add', path: '/spec/containers/0/resources/limits/sgx.intel.com~1enclave', value: '1' },
      { op: 'add', path: '/spec/containers/0/volumeMounts', value: [{ name: 'aesmd-socket', mountPath: '/var/run/aesmd' }] },
      { op: 'add', path: '/spec/containers/0/env', value: [{ name: 'SGX_AESM_ADDR', value: '1' }] },
      { op: 'add', path: '/spec/volumes', value: [{ name: 'aesmd-socket', hostPath: { path: '/var/run/aesmd', type: 'DirectoryOrCreate' } }] },
      { op: 'add', path: '/metadata/annotations/sgx.intel.com~1epc', value: '8Mi' },
    ]);
    const bare = JSON.parse(Buffer.from((handleAdmission('mutate', review(pod), config).body as any).response.patch, 'base64').toString());
    expect(bare.at(-1)).toEqual({ op: 'add', path: '/metadata', value: { annotations: { [EPC]: '8Mi' } } });
  });

  it('a wrong sgx.intel.com/epc annotation on CREATE is corrected by /mutate and reported by /validate', () => {
    const pod = { metadata: { annotations: { [EPC]: '1' } }, spec: { containers: [epc('a', '8Mi')] } };
    const m = handleAdmission('mutate', review(pod), config);
    const ops = JSON.parse(Buffer.from((m.body as any).response.patch, 'base64').toString());
    expect(ops).toContainEqual({ op: 'add', path: '/metadata/annotations/sgx.intel.com~1epc', value: '8Mi' });
    const v = handleAdmission('validate', review(pod), config);
    expect((v.body as any).response.warnings.join('\n')).toMatch(/annotation sgx\.intel\.com\/epc="1" differs/);
  });
});
