/**
 * The require-enforcement annotation: /mutate adds required node affinity on
 * `sgx-epc-enforcer.io/epc-enforced=true`, merged into every existing nodeSelectorTerm (terms are
 * ORed), creating the structure when absent; the patch applies (RFC 6902 applier), is idempotent,
 * and the result is a valid Pod for the official schema (kubernetes-models).
 */
import { Pod } from 'kubernetes-models/v1';
import { describe, expect, it } from 'vitest';
import { handleAdmission } from '../../src/webhook/admission-handler.js';
import { resolveWebhookConfig } from '../../src/webhook/config.js';
import { ENFORCED_REQUIREMENT, REQUIRE_ENFORCEMENT_ANNOTATION, enforcedAffinityPatch } from '../../src/webhook/enforced-affinity.js';
import { applyJsonPatch } from './json-patch.js';

const config = resolveWebhookConfig();
const EPC = 'sgx.intel.com/epc';
const REQUIRED = 'requiredDuringSchedulingIgnoredDuringExecution';
const REQ = { ...ENFORCED_REQUIREMENT, values: ['true'] };

function pod(spec: Record<string, unknown> = {}, annotation: string | null = 'true') {
  return {
    apiVersion: 'v1', kind: 'Pod',
    metadata: { name: 'p', namespace: 'default', ...(annotation !== null ? { annotations: { [REQUIRE_ENFORCEMENT_ANNOTATION]: annotation } } : {}) },
    spec: { containers: [{ name: 'app', image: 'busybox', resources: { requests: { [EPC]: '8Mi' }, limits: { [EPC]: '8Mi' } } }], ...spec },
  };
}
function review(object: unknown) {
  return { apiVersion: 'admission.k8s.io/v1', kind: 'AdmissionReview', request: { uid: 'u-1', kind: { group: '', version: 'v1', kind: 'Pod' }, namespace: 'default', operation: 'CREATE', object } };
}
function mutate(p: unknown): { patched: any; warnings: string[]; ops: any[] } {
  const r = handleAdmission('mutate', review(p), config).body as any;
  expect(r.response.allowed).toBe(true);
  const ops = r.response.patch ? JSON.parse(Buffer.from(r.response.patch, 'base64').toString()) : [];
  return { patched: applyJsonPatch(p, ops), warnings: r.response.warnings ?? [], ops };
}
const termsOf = (p: any) => p.spec.affinity.nodeAffinity[REQUIRED].nodeSelectorTerms;

describe('require-enforcement -> node affinity', () => {
  it('creates the whole structure when the pod has no affinity', () => {
    const { patched } = mutate(pod());
    expect(termsOf(patched)).toEqual([{ matchExpressions: [REQ] }]);
    expect(() => new Pod(patched).validate()).not.toThrow();
  });

  it.each([
    ['affinity with podAntiAffinity only', { affinity: { podAntiAffinity: { preferredDuringSchedulingIgnoredDuringExecution: [] } } }],
    ['nodeAffinity with preferred terms only', { affinity: { nodeAffinity: { preferredDuringSchedulingIgnoredDuringExecution: [{ weight: 1, preference: { matchExpressions: [{ key: 'zone', operator: 'In', values: ['a'] }] } }] } } }],
  ])('%s: adds the required terms next to what is there', (_n, spec) => {
    const { patched } = mutate(pod(spec));
    expect(termsOf(patched)).toEqual([{ matchExpressions: [REQ] }]);
    const before = spec.affinity as any;
    for (const k of Object.keys(before)) expect(patched.spec.affinity[k]).toMatchObject(before[k]);
    expect(() => new Pod(patched).validate()).not.toThrow();
  });

  it('adds the requirement to EVERY existing nodeSelectorTerm (ORed), keeping each term\'s own expressions and fields', () => {
    const terms = [
      { matchExpressions: [{ key: 'kubernetes.io/arch', operator: 'In', values: ['amd64'] }] },
      { matchFields: [{ key: 'metadata.name', operator: 'In', values: ['node-a'] }] },
      { matchExpressions: [{ key: 'node.kubernetes.io/instance-type', operator: 'In', values: ['Standard_DC4s_v3'] }], matchFields: [{ key: 'metadata.name', operator: 'NotIn', values: ['node-b'] }] },
    ];
    const { patched, ops } = mutate(pod({ affinity: { nodeAffinity: { [REQUIRED]: { nodeSelectorTerms: terms } } } }));
    expect(termsOf(patched)).toEqual([
      { matchExpressions: [terms[0].matchExpressions![0], REQ] },
      { matchFields: terms[1].matchFields, matchExpressions: [REQ] },
      { matchExpressions: [terms[2].matchExpressions![0], REQ], matchFields: terms[2].matchFields },
    ]);
    // paths: RFC 6901 tokens, indices into the existing terms, `-` to append
    expect(ops.filter((o: any) => o.path.includes('nodeSelectorTerms')).map((o: any) => o.path)).toEqual([
      `/spec/affinity/nodeAffinity/${REQUIRED}/nodeSelectorTerms/0/matchExpressions/-`,
      `/spec/affinity/nodeAffinity/${REQUIRED}/nodeSelectorTerms/1/matchExpressions`,
      `/spec/affinity/nodeAffinity/${REQUIRED}/nodeSelectorTerms/2/matchExpressions/-`,
    ]);
    expect(() => new Pod(patched).validate()).not.toThrow();
  });

  it('is idempotent: the mutated pod gets no further affinity operation (reinvocation)', () => {
    const terms = [{ matchExpressions: [{ key: 'a', operator: 'Exists' }] }, { matchExpressions: [{ key: 'b', operator: 'Exists' }] }];
    const first = mutate(pod({ affinity: { nodeAffinity: { [REQUIRED]: { nodeSelectorTerms: terms } } } })).patched;
    expect(enforcedAffinityPatch(first)).toEqual([]);
    expect(mutate(first).ops).toEqual([]);
    // a term that already holds it is left alone while the others get it
    const mixed = pod({ affinity: { nodeAffinity: { [REQUIRED]: { nodeSelectorTerms: [{ matchExpressions: [REQ] }, { matchExpressions: [{ key: 'b', operator: 'Exists' }] }] } } } });
    expect(enforcedAffinityPatch(mixed).map((o) => o.path)).toEqual([`/spec/affinity/nodeAffinity/${REQUIRED}/nodeSelectorTerms/1/matchExpressions/-`]);
  });

  it('an empty or missing nodeSelectorTerms list gets one term', () => {
    expect(termsOf(mutate(pod({ affinity: { nodeAffinity: { [REQUIRED]: { nodeSelectorTerms: [] } } } })).patched)).toEqual([{ matchExpressions: [REQ] }]);
    expect(termsOf(mutate(pod({ affinity: { nodeAffinity: { [REQUIRED]: {} } } })).patched)).toEqual([{ matchExpressions: [REQ] }]);
  });

  it('"false", an absent annotation or a pod without EPC: no affinity; a bad value: warned and ignored', () => {
    expect(mutate(pod({}, 'false')).patched.spec.affinity).toBeUndefined();
    expect(mutate(pod({}, null)).patched.spec.affinity).toBeUndefined();
    const noEpc = { ...pod(), spec: { containers: [{ name: 'app', image: 'busybox' }] } };
    expect(mutate(noEpc).ops).toEqual([]);
    const bad = mutate(pod({}, 'yes'));
    expect(bad.patched.spec.affinity).toBeUndefined();
    expect(bad.warnings).toEqual([`annotation ${REQUIRE_ENFORCEMENT_ANNOTATION}="yes" is ignored: it must be "true" or "false"`]);
  });

  it('the requirement holds also while no node offers the enclave resource (the pod asked for a limit: Pending, not unlimited)', () => {
    const r = handleAdmission('mutate', review(pod()), config, { state: () => ({ status: 'not-offered', nodes: 2 }) }).body as any;
    const patched: any = applyJsonPatch(pod(), JSON.parse(Buffer.from(r.response.patch, 'base64').toString()));
    expect(termsOf(patched)).toEqual([{ matchExpressions: [REQ] }]);
    expect(patched.spec.containers[0].resources.limits['sgx.intel.com/enclave']).toBeUndefined();
  });

  it('/validate never patches, whatever the annotation', () => {
    const r = handleAdmission('validate', review(pod()), config).body as any;
    expect(r.response.patch).toBeUndefined();
  });
});

describe('the require-enforcement namespace label (second mutating webhook entry, its own path)', () => {
  it('pure: the namespace path requires it whatever the pod says; EPC pods only', () => {
    for (const annotation of [null, 'false', 'yes']) {
      const r = handleAdmission('mutate', review(pod({}, annotation)), config, undefined, true).body as any;
      const patched: any = applyJsonPatch(pod({}, annotation), JSON.parse(Buffer.from(r.response.patch, 'base64').toString()));
      expect(termsOf(patched), String(annotation)).toEqual([{ matchExpressions: [REQ] }]);
    }
    const noEpc = { ...pod({}, null), spec: { containers: [{ name: 'app', image: 'busybox' }] } };
    expect((handleAdmission('mutate', review(noEpc), config, undefined, true).body as any).response.patch).toBeUndefined();
  });

  it('over HTTPS: POST /mutate-require-enforcement (fast path and express) adds the affinity; /mutate does not', async () => {
    const { startTestWebhook } = await import('./webhook-harness.js');
    for (const fastPath of [true, false]) {
      const hook = await startTestWebhook({ fastPath });
      try {
        const p = pod({}, null);
        const viaNs = await hook.post('/mutate-require-enforcement?timeout=5s', review(p));
        expect(viaNs.status).toBe(200);
        expect(termsOf(applyJsonPatch(p, JSON.parse(Buffer.from(viaNs.json.response.patch, 'base64').toString())))).toEqual([{ matchExpressions: [REQ] }]);
        const plain = await hook.post('/mutate', review(p));
        expect((applyJsonPatch(p, JSON.parse(Buffer.from(plain.json.response.patch, 'base64').toString())) as any).spec.affinity).toBeUndefined();
      } finally {
        await hook.close();
      }
    }
  });
});
