import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { handleAdmission } from '../../src/webhook/admission-handler.js';
import { resolveWebhookConfig } from '../../src/webhook/config.js';
import { applyJsonPatch, decodePatch } from './json-patch.js';
import { fixture, startTestWebhook, type TestWebhook } from './webhook-harness.js';

const EPC = 'sgx.intel.com/epc';
const configs = [resolveWebhookConfig(), resolveWebhookConfig({ policy: 'strict', maxPodEpc: '64Mi' })];

const quantity = fc.oneof(
  fc.constantFrom('10Mi', '4Ki', '8Mi', '12288', '10000k', '1Gi', '0', '-1Mi', '1.5', '1e3', '1e99999', 'lots', ''),
  fc.string({ maxLength: 12 }),
  fc.integer(),
  fc.constant(null),
);
const goodQuantity = fc.constantFrom('10Mi', '16Ki', '8Mi', '12288', '10000k', '1Gi', '1e6');
const sameRequestAndLimit = fc.tuple(goodQuantity, fc.boolean()).map(([q, enclave]) => {
  const list = { [EPC]: q, ...(enclave ? { 'sgx.intel.com/enclave': '1' } : {}) };
  return { requests: { ...list }, limits: { ...list } };
});
const resourceList = fc.dictionary(fc.constantFrom(EPC, 'sgx.intel.com/enclave', 'sgx.intel.com/provision', 'cpu'), quantity, { maxKeys: 3 });
const container = fc.record(
  {
    name: fc.constantFrom('a', 'b', 'app', 'aesmd'),
    resources: fc.oneof(
      { weight: 6, arbitrary: sameRequestAndLimit },
      { weight: 3, arbitrary: fc.record({ requests: resourceList, limits: resourceList }, { requiredKeys: [] }) },
      { weight: 1, arbitrary: fc.constant(null) },
    ),
    restartPolicy: fc.constant('Always'),
    volumeMounts: fc.array(fc.record({ name: fc.constantFrom('v1', 'v2', 'aesmd-socket'), mountPath: fc.constantFrom('/var/run/aesmd', '/x', '/dev/sgx_enclave') }), { maxLength: 2 }),
    env: fc.array(fc.record({ name: fc.constantFrom('SGX_AESM_ADDR', 'X'), value: fc.constantFrom('1', '0') }), { maxLength: 2 }),
    securityContext: fc.record({ privileged: fc.boolean() }),
  },
  { requiredKeys: ['name'] },
);
const pod = fc.record(
  {
    metadata: fc.record(
      {
        name: fc.constant('p'),
        annotations: fc.dictionary(
          fc.constantFrom('sgx.intel.com/quote-provider', 'sgx.intel.com/quote-provider', EPC, 'kubernetes.io/config.mirror', 'admissions.enforcer/disabled', 'other'),
          fc.oneof({ weight: 5, arbitrary: fc.constantFrom('aesmd', 'app', 'a', '10485760', 'true') }, { weight: 1, arbitrary: fc.integer() }),
          { maxKeys: 3 },
        ),
      },
      { requiredKeys: [] },
    ),
    spec: fc.record(
      {
        containers: fc.array(fc.oneof({ weight: 9, arbitrary: container }, { weight: 1, arbitrary: fc.anything() }), { maxLength: 3 }),
        initContainers: fc.array(container, { maxLength: 2 }),
        volumes: fc.array(fc.record({ name: fc.constantFrom('v1', 'v2', 'aesmd-socket'), hostPath: fc.record({ path: fc.constantFrom('/dev', '/dev/sgx_enclave', '/var/run/aesmd', '/tmp', '/tmp', '/var/run/aesmd', 'rel') }) }), { maxLength: 2 }),
        overhead: fc.dictionary(fc.constant(EPC), quantity, { maxKeys: 1 }),
      },
      { requiredKeys: [] },
    ),
  },
  { requiredKeys: [] },
);
const admissionReview = fc.record({
  apiVersion: fc.constantFrom('admission.k8s.io/v1', 'admission.k8s.io/v1beta1'),
  kind: fc.constant('AdmissionReview'),
  request: fc.record({
    uid: fc.uuid(),
    kind: fc.oneof({ weight: 9, arbitrary: fc.constant({ group: '', version: 'v1', kind: 'Pod' }) }, { weight: 1, arbitrary: fc.anything() }),
    operation: fc.constantFrom('CREATE', 'CREATE', 'CREATE', 'UPDATE', 'DELETE', 'CONNECT'),
    namespace: fc.constantFrom('default', 'default', 'kube-system', ''),
    dryRun: fc.boolean(),
    object: fc.oneof({ weight: 8, arbitrary: pod }, { weight: 1, arbitrary: fc.anything() }),
    oldObject: fc.oneof(pod, fc.constant(null)),
  }),
});

describe('fuzz: the pure handler', () => {
  it('never throws on anything, and answers 400 for what is not an AdmissionReview', () => {
    fc.assert(
      fc.property(fc.anything(), fc.constantFrom('mutate' as const, 'validate' as const), (body, endpoint) => {
        const r = handleAdmission(endpoint, body, configs[0]);
        expect([200, 400]).toContain(r.httpStatus);
        expect(r.labels.result).not.toBe('error');
      }),
      { numRuns: 400 },
    );
  });

  it('random pod reviews: contract holds, no internal errors, mutation is add-only, applies, and is idempotent', () => {
    let patchedRuns = 0;
    let deniedRuns = 0;
    fc.assert(
      fc.property(admissionReview, fc.constantFrom(0, 1), (rev, which) => {
        const config = configs[which];
        for (const endpoint of ['mutate', 'validate'] as const) {
          const r = handleAdmission(endpoint, rev, config);
          expect(r.httpStatus).toBe(200);
          expect(r.labels.result).not.toBe('error');
          const body = r.body as any;
          expect(body.apiVersion).toBe(rev.apiVersion);
          expect(body.response.uid).toBe(rev.request.uid);
          expect('patch' in body.response).toBe('patchType' in body.response);
          if (!body.response.allowed) deniedRuns++;
          if (endpoint === 'validate' || !body.response.allowed) {
            expect(body.response.patch).toBeUndefined();
            continue;
          }
          const ops = decodePatch(body.response);
          if (ops.length === 0) continue;
          for (const op of ops) expect(op.op).toBe('add');
          patchedRuns++;
          const patched = applyJsonPatch(rev.request.object, ops);
          const again = handleAdmission('mutate', { ...rev, request: { ...rev.request, object: patched } }, config);
          expect((again.body as any).response.allowed).toBe(true);
          expect((again.body as any).response.patch).toBeUndefined();
        }
      }),
      { numRuns: 600 },
    );
    // The property is not vacuous: both outcomes occur often.
    expect(patchedRuns).toBeGreaterThan(5);
    expect(deniedRuns).toBeGreaterThan(5);
  });
});

describe('fuzz: the HTTPS server', () => {
  let hook: TestWebhook;
  beforeAll(async () => {
    hook = await startTestWebhook();
  });
  afterAll(async () => {
    await hook?.close();
  });

  it('random, truncated and corrupted bodies always get an answer (200/400), and the server stays healthy', async () => {
    const base = JSON.stringify(await fixture('multi-container.json'));
    const body = fc.oneof(
      fc.string({ maxLength: 200 }),
      fc.json({ maxDepth: 3 }),
      fc.nat({ max: base.length }).map((n) => base.slice(0, n)),
      fc.tuple(fc.nat({ max: base.length - 1 }), fc.string({ minLength: 1, maxLength: 1 })).map(([i, ch]) => base.slice(0, i) + ch + base.slice(i + 1)),
      admissionReview.map((r) => JSON.stringify(r)),
    );
    await fc.assert(
      fc.asyncProperty(body, fc.constantFrom('/mutate', '/validate'), async (b, path) => {
        const r = await hook.post(path, b);
        expect([200, 400]).toContain(r.status);
        if (r.status === 200) expect(r.json.response.uid).toBeTypeOf('string');
        else expect(r.json.error).toBeTypeOf('string');
      }),
      { numRuns: 120, interruptAfterTimeLimit: 30_000 },
    );
    const health = await hook.post('/mutate', JSON.parse(base));
    expect(health.status).toBe(200);
    const metrics = await (await fetch(hook.metricsUrl)).text();
    expect(metrics).not.toMatch(/result="error"/);
  });
});
