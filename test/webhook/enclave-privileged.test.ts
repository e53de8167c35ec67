/**
 * Issue 11 point 5: an EPC container's enclave count other than 1, and privileged containers in
 * any pod, under both policies, through /mutate (patch applied, then re-reviewed) and /validate.
 */
import { describe, expect, it } from 'vitest';
import { handleAdmission } from '../../src/webhook/admission-handler.js';
import { resolveWebhookConfig } from '../../src/webhook/config.js';
import { applyJsonPatch, decodePatch } from './json-patch.js';
import { podReview } from './pod-review.js';

const EPC = 'sgx.intel.com/epc';
const ENCLAVE = 'sgx.intel.com/enclave';
const policies = { default: resolveWebhookConfig(), strict: resolveWebhookConfig({ policy: 'strict' }) };

const run = (endpoint: 'mutate' | 'validate', pod: unknown, policy: keyof typeof policies = 'default', namespace?: string) => {
  const r = handleAdmission(endpoint, podReview(pod, namespace), policies[policy]);
  return { labels: r.labels, response: (r.body as any).response };
};

describe('an EPC container whose sgx.intel.com/enclave is not 1: /mutate sets 1', () => {
  const values: Array<[string, Record<string, unknown>, Record<string, unknown>]> = [
    ['"0" in both', { [ENCLAVE]: '0' }, { [ENCLAVE]: '0' }],
    ['"2" in both', { [ENCLAVE]: '2' }, { [ENCLAVE]: '2' }],
    ['"500m" in both', { [ENCLAVE]: '500m' }, { [ENCLAVE]: '500m' }],
    ['"0" in limits only', {}, { [ENCLAVE]: '0' }],
    ['"0" in requests, "1" in limits', { [ENCLAVE]: '0' }, { [ENCLAVE]: '1' }],
    ['a number 0', { [ENCLAVE]: 0 }, { [ENCLAVE]: 0 }],
    ['junk', { [ENCLAVE]: 'x' }, { [ENCLAVE]: 'x' }],
  ];
  for (const [name, requests, limits] of values) {
    for (const policy of ['default', 'strict'] as const) {
      it(`${policy}: ${name}`, () => {
        const pod = { metadata: { name: 'p' }, spec: { containers: [{ name: 'app', resources: { requests: { [EPC]: '8Mi', ...requests }, limits: { [EPC]: '8Mi', ...limits } } }] } };
        const v = run('validate', pod, policy);
        expect(v.response.allowed).toBe(true);
        expect(v.response.warnings).toEqual([expect.stringMatching(/^container "app" declares sgx\.intel\.com\/epc with sgx\.intel\.com\/enclave .*exactly one enclave device.*\/mutate sets it to "1"$/)]);
        const m = run('mutate', pod, policy);
        expect(m.labels.result).toBe('patched');
        expect(m.response.warnings).toEqual(v.response.warnings);
        const mutated: any = applyJsonPatch(pod, decodePatch(m.response));
        expect(mutated.spec.containers[0].resources.limits[ENCLAVE]).toBe('1');
        expect(mutated.spec.containers[0].resources.requests[ENCLAVE]).toBe('1');
        // idempotent, and the result passes /validate without a warning
        expect(run('mutate', mutated, policy).labels.result).toBe('allowed');
        expect(run('validate', mutated, policy).response).toEqual({ uid: 'u', allowed: true });
      });
    }
  }

  it('"1" (string, number, "1000m") is left alone', () => {
    for (const one of ['1', 1, '1000m']) {
      const pod = { metadata: { name: 'p', annotations: { [EPC]: '8Mi' } }, spec: { containers: [{ name: 'app', resources: { requests: { [EPC]: '8Mi', [ENCLAVE]: one }, limits: { [EPC]: '8Mi', [ENCLAVE]: one } } }] } };
      const m = run('mutate', pod);
      expect([one, m.labels.result, m.response.warnings]).toEqual([one, 'allowed', undefined]);
    }
  });
});

describe('privileged containers, both policies, any pod', () => {
  const priv = { securityContext: { privileged: true } };
  const pods: Array<[string, unknown]> = [
    ['no SGX at all', { metadata: { name: 'p' }, spec: { containers: [{ name: 'c', ...priv }] } }],
    ['no SGX, privileged init container', { metadata: { name: 'p' }, spec: { initContainers: [{ name: 'c', ...priv }], containers: [{ name: 'app' }] } }],
    ['an EPC pod', { metadata: { name: 'p' }, spec: { containers: [{ name: 'c', ...priv, resources: { limits: { [EPC]: '8Mi' } } }] } }],
    ['privileged next to an EPC container', { metadata: { name: 'p' }, spec: { containers: [{ name: 'app', resources: { limits: { [EPC]: '8Mi' } } }, { name: 'c', ...priv }] } }],
  ];
  for (const [name, pod] of pods) {
    it(`${name}: default warns, strict denies naming the container and the way out`, () => {
      for (const endpoint of ['mutate', 'validate'] as const) {
        const d = run(endpoint, pod, 'default');
        expect(d.response.allowed).toBe(true);
        expect(d.response.warnings).toContainEqual(expect.stringMatching(/container "c" is privileged.*\(denied with policy strict\)$/));
        const s = run(endpoint, pod, 'strict');
        expect(s.labels).toEqual({ rule: 'privileged', result: 'denied' });
        expect(s.response.status.message).toMatch(/container "c" is privileged.*drop privileged.*exclude the namespace.*\[rule privileged\]/);
      }
    });
  }

  it('privileged: false and excluded namespaces are not affected', () => {
    const pod = { metadata: { name: 'p' }, spec: { containers: [{ name: 'c', securityContext: { privileged: false } }] } };
    expect(run('validate', pod, 'strict').response).toEqual({ uid: 'u', allowed: true });
    const p = { metadata: { name: 'p' }, spec: { containers: [{ name: 'c', ...priv }] } };
    expect(run('validate', p, 'strict', 'kube-system').labels).toEqual({ rule: 'excluded-namespace', result: 'allowed' });
  });
});
