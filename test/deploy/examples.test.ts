/**
 * deploy/examples/sgx-pod.yaml, the README's "verify it enforces" pod: a valid Pod (Kubernetes
 * schema), the EPC the README and NOTES quote, and admitted by the webhook's own decision
 * function: /mutate adds the enclave request and the host aesmd socket, /validate allows the
 * mutated pod.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseQuantityExact } from '../../src/pod/quantity.js';
import { defaultWebhookConfig, handleAdmission } from '../../src/webhook/index.js';
import { DEPLOY_DIR, parseManifests, type K8sObject } from './render.js';
import { validateAll } from './validate-objects.js';

const pod = parseManifests(readFileSync(join(DEPLOY_DIR, 'examples/sgx-pod.yaml'), 'utf8'));

type Review = { response: { allowed: boolean; patch?: string; warnings?: string[]; status?: { message: string } } };
const review = (obj: K8sObject) => ({ apiVersion: 'admission.k8s.io/v1', kind: 'AdmissionReview', request: { uid: 'u1', kind: { group: '', version: 'v1', kind: 'Pod' }, resource: { group: '', version: 'v1', resource: 'pods' }, namespace: 'default', operation: 'CREATE', object: obj, userInfo: { username: 'test' } } });

/** Applies add operations of a JSON Patch (the webhook emits adds only). */
function applyAdds(obj: K8sObject, ops: Array<{ op: string; path: string; value: unknown }>): K8sObject {
  const out = structuredClone(obj);
  for (const op of ops) {
    expect(op.op).toBe('add');
    const keys = op.path.split('/').slice(1).map((k) => k.replaceAll('~1', '/').replaceAll('~0', '~'));
    let at: any = out;
    for (const k of keys.slice(0, -1)) at = at[k];
    const last = keys.at(-1)!;
    if (Array.isArray(at) && last === '-') at.push(op.value);
    else at[last] = op.value;
  }
  return out;
}

describe('deploy/examples/sgx-pod.yaml', () => {
  it('is one valid Pod asking for 8Mi of EPC with the aesmd quote provider', async () => {
    expect(pod.map((o) => o.kind)).toEqual(['Pod']);
    expect(await validateAll(pod)).toEqual([]);
    const c = pod[0].spec.containers[0];
    expect(parseQuantityExact(c.resources.requests['sgx.intel.com/epc'])).toEqual({ num: 8388608n, den: 1n });
    expect(c.resources.limits['sgx.intel.com/epc']).toBe(c.resources.requests['sgx.intel.com/epc']);
    expect(pod[0].metadata.annotations).toMatchObject({ 'sgx.intel.com/quote-provider': 'aesmd', 'sgx-epc-enforcer.io/require-enforcement': 'true' });
  });

  it('the webhook mutates it (enclave request, host aesmd socket) and then validates it', () => {
    const config = defaultWebhookConfig();
    const m = handleAdmission('mutate', review(pod[0]), config).body as Review;
    expect(m.response.allowed).toBe(true);
    const ops = JSON.parse(Buffer.from(m.response.patch ?? '', 'base64').toString('utf8'));
    const mutated = applyAdds(pod[0], ops);
    const c = mutated.spec.containers[0];
    expect(c.resources.limits['sgx.intel.com/enclave']).toBe('1');
    expect(c.volumeMounts).toContainEqual(expect.objectContaining({ mountPath: '/var/run/aesmd' }));
    expect(c.env).toContainEqual({ name: 'SGX_AESM_ADDR', value: '1' });
    const v = handleAdmission('validate', review(mutated), config).body as Review;
    expect(v.response.allowed, v.response.status?.message).toBe(true);
  });
});
