import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { applyJsonPatch, decodePatch } from './json-patch.js';
import { fixture, httpsRequest, startTestWebhook, type HttpResult, type TestWebhook } from './webhook-harness.js';

let hook: TestWebhook;
let strict: TestWebhook;
beforeAll(async () => {
  [hook, strict] = await Promise.all([startTestWebhook(), startTestWebhook({ config: { policy: 'strict', maxPodEpc: '64Mi' } })]);
});
afterAll(async () => {
  await Promise.all([hook?.close(), strict?.close()]);
});

/** The API server's checks on a reply, plus ours: same envelope, uid echoed, add-only patches. */
function expectContract(review: any, r: HttpResult, endpoint: 'mutate' | 'validate'): any {
  expect(r.status).toBe(200);
  expect(r.headers['content-type']).toMatch(/^application\/json/);
  expect(r.json.apiVersion).toBe(review.apiVersion);
  expect(r.json.kind).toBe('AdmissionReview');
  const resp = r.json.response;
  expect(resp.uid).toBe(review.request.uid);
  expect(typeof resp.allowed).toBe('boolean');
  expect('patch' in resp).toBe('patchType' in resp);
  if (endpoint === 'validate') expect(resp.patch).toBeUndefined();
  if (resp.patch) {
    expect(resp.patchType).toBe('JSONPatch');
    const ops = decodePatch(resp);
    expect(ops.length).toBeGreaterThan(0);
    for (const op of ops) expect(op.op).toBe('add');
  }
  if (!resp.allowed) expect(resp.status.code).toBe(403);
  return resp;
}

async function review(h: TestWebhook, endpoint: 'mutate' | 'validate', body: any) {
  const r = await h.post(`/${endpoint}`, body);
  return { r, resp: expectContract(body, r, endpoint) };
}

/** /mutate, apply the patch, review the result again: the second /mutate must be a no-op. */
async function mutateTwice(name: string) {
  const rev = await fixture(name);
  const { resp } = await review(hook, 'mutate', rev);
  expect(resp.allowed).toBe(true);
  const patched = applyJsonPatch(rev.request.object, decodePatch(resp));
  const again = structuredClone(rev);
  again.request.object = patched;
  const second = await review(hook, 'mutate', again);
  expect(second.resp.allowed).toBe(true);
  expect(second.resp.patch).toBeUndefined();
  const validated = await review(hook, 'validate', again);
  expect(validated.resp.allowed).toBe(true);
  expect(validated.resp.warnings ?? []).toEqual((resp.warnings ?? []));
  return { resp, patched, original: rev.request.object };
}

const ENCLAVE = 'sgx.intel.com/enclave';

describe('webhook over HTTPS: recorded AdmissionReviews', () => {
  it('allows the Azure oe-helloworld job pod (10Mi EPC, hostPath /var/run/aesmd) and routes it through the plugin', async () => {
    const { resp, patched, original } = await mutateTwice('azure-oe-helloworld.json');
    expect(resp.warnings).toBeUndefined();
    const c = patched.spec.containers[0];
    expect(c.resources.requests).toEqual({ 'sgx.intel.com/epc': '10Mi', [ENCLAVE]: '1' });
    expect(c.resources.limits).toEqual({ 'sgx.intel.com/epc': '10Mi', [ENCLAVE]: '1' });
    expect(patched.metadata.annotations).toEqual({ 'sgx.intel.com/epc': '10Mi' });
    expect(patched.spec.volumes).toEqual(original.spec.volumes);
    expect(decodePatch(resp).map((o) => o.path)).toContain('/spec/containers/0/resources/requests/sgx.intel.com~1enclave');
  });

  it('multi-container: enclave only on EPC containers, annotation = sum', async () => {
    const { patched } = await mutateTwice('multi-container.json');
    const [app, logs, kbs] = patched.spec.containers;
    expect(app.resources.limits[ENCLAVE]).toBe('1');
    expect(kbs.resources.requests[ENCLAVE]).toBe('1');
    expect(logs.resources.limits[ENCLAVE]).toBeUndefined();
    expect(patched.metadata.annotations['sgx.intel.com/epc']).toBe('80Mi');
  });

  it('init containers + sidecar: scheduler semantics (max(16+8, 40+8, 32) = 48Mi), enclave on every EPC container', async () => {
    const { patched } = await mutateTwice('init-sidecar.json');
    expect(patched.metadata.annotations['sgx.intel.com/epc']).toBe('48Mi');
    for (const c of [...patched.spec.initContainers, ...patched.spec.containers]) expect(c.resources.requests[ENCLAVE]).toBe('1');
  });

  it('quote-provider aesmd (DaemonSet): hostPath socket volume, mount and SGX_AESM_ADDR, as Intel does', async () => {
    const { patched } = await mutateTwice('quote-provider-aesmd-hostpath.json');
    const c = patched.spec.containers[0];
    expect(c.env).toEqual([{ name: 'SGX_AESM_ADDR', value: '1' }]);
    expect(c.volumeMounts).toContainEqual({ name: 'aesmd-socket', mountPath: '/var/run/aesmd' });
    expect(patched.spec.volumes).toContainEqual({ name: 'aesmd-socket', hostPath: { path: '/var/run/aesmd', type: 'DirectoryOrCreate' } });
    expect(c.resources.limits['sgx.intel.com/provision']).toBeUndefined();
  });

  it('quote-provider aesmd with an aesmd sidecar: emptyDir volume shared by both containers', async () => {
    const { patched } = await mutateTwice('quote-provider-aesmd-sidecar.json');
    expect(patched.spec.volumes).toContainEqual({ name: 'aesmd-socket', emptyDir: { medium: 'Memory' } });
    for (const c of patched.spec.containers) expect(c.volumeMounts).toContainEqual({ name: 'aesmd-socket', mountPath: '/var/run/aesmd' });
  });

  it('quote-provider naming a container: that container gets provision in requests and limits', async () => {
    const { patched } = await mutateTwice('quote-provider-inproc.json');
    const c = patched.spec.containers[0];
    expect(c.resources.requests['sgx.intel.com/provision']).toBe('1');
    expect(c.resources.limits['sgx.intel.com/provision']).toBe('1');
    expect(c.env).toBeUndefined();
  });

  it('non-page-multiple EPC: allowed with a warning that the limit rounds down', async () => {
    const { resp } = await mutateTwice('non-page-multiple.json');
    expect(resp.warnings).toHaveLength(1);
    expect(resp.warnings[0]).toMatch(/not a multiple of 4096 bytes.*10000000 bytes rounds down to 9998336 bytes \(2441 pages\)/);
  });

  it('privileged container in an SGX pod: warning by default, denied under policy strict', async () => {
    const rev = await fixture('privileged-sgx.json');
    const def = await review(hook, 'validate', rev);
    expect(def.resp.allowed).toBe(true);
    expect(def.resp.warnings.join('\n')).toMatch(/container "debug" is privileged/);
    const s = await review(strict, 'validate', rev);
    expect(s.resp.allowed).toBe(false);
    expect(s.resp.status.message).toMatch(/container "debug" is privileged.*\[rule privileged\]/);
  });

  const denials: Array<[string, RegExp]> = [
    ['hostpath-sgx-enclave.json', /container "miner" mounts hostPath \/dev\/sgx_enclave .*without declaring sgx\.intel\.com\/epc: .*\[rule hostpath-device\]/],
    ['hostpath-dev-dir.json', /container "tool" mounts hostPath \/dev\/ .*reaches \/dev.*\[rule hostpath-device\]/],
    ['hostpath-root.json', /container "debug" mounts hostPath \/ .*\[rule hostpath-device\]/],
    ['enclave-without-epc.json', /container "app" requests sgx\.intel\.com\/enclave without declaring sgx\.intel\.com\/epc: .*\[rule enclave-without-epc\]/],
    ['epc-mismatch.json', /container "app": sgx\.intel\.com\/epc request 8Mi differs from limit 16Mi \[rule epc-requests-limits-mismatch\]/],
    ['update-epc-annotation.json', /annotation sgx\.intel\.com\/epc is immutable: changed from "10485760" to "104857600" \[rule epc-annotation-changed\]/],
  ];
  for (const [name, message] of denials) {
    it(`denies ${name} on /mutate and /validate with 403 naming the container and rule`, async () => {
      const rev = await fixture(name);
      for (const endpoint of ['mutate', 'validate'] as const) {
        const { resp } = await review(hook, endpoint, rev);
        expect(resp.allowed).toBe(false);
        expect(resp.patch).toBeUndefined();
        expect(resp.status.message).toMatch(message);
      }
    });
  }

  it('per-pod maximum (strict server, 64Mi): the 80Mi multi-container pod is denied', async () => {
    const { resp } = await review(strict, 'mutate', await fixture('multi-container.json'));
    expect(resp.allowed).toBe(false);
    expect(resp.status.message).toMatch(/pod sgx\.intel\.com\/epc 80Mi .*exceeds the per-pod maximum 64Mi \[rule epc-exceeds-max\]/);
  });

  it('mirror pods are never patched', async () => {
    const { resp } = await review(hook, 'mutate', await fixture('mirror-pod.json'));
    expect(resp.allowed).toBe(true);
    expect(resp.patch).toBeUndefined();
  });

  it('non-pod objects are allowed untouched', async () => {
    const { resp } = await review(hook, 'mutate', await fixture('configmap.json'));
    expect(resp).toEqual({ uid: (await fixture('configmap.json')).request.uid, allowed: true });
  });

  it('v1beta1 dry-run review: same apiVersion echoed, same patch as without dryRun', async () => {
    const rev = await fixture('v1beta1-dryrun.json');
    const { r, resp } = await review(hook, 'mutate', rev);
    expect(r.json.apiVersion).toBe('admission.k8s.io/v1beta1');
    const wet = structuredClone(rev);
    wet.request.dryRun = false;
    const w = await review(hook, 'mutate', wet);
    expect(w.resp.patch).toBe(resp.patch);
    expect(resp.patch).toBeDefined();
  });

  it('/validate never returns a patch, even for a pod /mutate would patch', async () => {
    const { resp } = await review(hook, 'validate', await fixture('azure-oe-helloworld.json'));
    expect(resp.allowed).toBe(true);
    expect(resp.warnings.join('\n')).toMatch(/declares sgx\.intel\.com\/epc but not sgx\.intel\.com\/enclave/);
  });

  it('the opt-out annotation does not exempt a pod (documented semantics) and says so', async () => {
    const rev = await fixture('hostpath-sgx-enclave.json');
    rev.request.object.metadata.annotations = { 'admissions.enforcer/disabled': 'true' };
    const { resp } = await review(hook, 'validate', rev);
    expect(resp.allowed).toBe(false);
    expect(resp.warnings.join('\n')).toMatch(/does not exempt pods/);
  });

  it('excluded namespaces (kube-system by default) are allowed untouched', async () => {
    const rev = await fixture('hostpath-sgx-enclave.json');
    rev.request.namespace = 'kube-system';
    const { resp } = await review(hook, 'mutate', rev);
    expect(resp).toEqual({ uid: rev.request.uid, allowed: true });
  });
});

describe('webhook over HTTPS: bad requests', () => {
  it('malformed JSON -> 400', async () => {
    const r = await hook.post('/mutate', (await import('node:fs')).readFileSync(new URL('./fixtures/malformed.txt', import.meta.url), 'utf8'));
    expect(r.status).toBe(400);
    expect(r.json.error).toMatch(/malformed JSON/);
  });
  it('a Pod instead of an AdmissionReview -> 400', async () => {
    const r = await hook.post('/validate', await fixture('not-a-review.json'));
    expect(r.status).toBe(400);
    expect(r.json.error).toMatch(/not an AdmissionReview: kind must be AdmissionReview/);
  });
  it('an AdmissionReview without request.uid -> 400', async () => {
    const rev = await fixture('multi-container.json');
    delete rev.request.uid;
    const r = await hook.post('/mutate', rev);
    expect(r.status).toBe(400);
    expect(r.json.error).toMatch(/request\.uid/);
  });
  it('empty body -> 400', async () => {
    const r = await hook.post('/mutate', '');
    expect(r.status).toBe(400);
  });
  it('body over 7 MiB -> 413; a 6 MiB review is still answered', async () => {
    const big = await fixture('multi-container.json');
    big.request.object.metadata.annotations = { filler: 'x'.repeat(6 * 2 ** 20) };
    const ok = await hook.post('/mutate', big);
    expect(ok.status).toBe(200);
    expect(ok.json.response.uid).toBe(big.request.uid);
    big.request.object.metadata.annotations = { filler: 'x'.repeat(7 * 2 ** 20 + 10) };
    const r = await hook.post('/mutate', big);
    expect(r.status).toBe(413);
  });
  it('healthz, readyz, unknown paths', async () => {
    expect((await httpsRequest(hook.url + '/healthz', { ca: hook.ca.cert })).status).toBe(200);
    expect((await httpsRequest(hook.url + '/readyz', { ca: hook.ca.cert })).text).toBe('ok');
    expect((await httpsRequest(hook.url + '/nope', { ca: hook.ca.cert })).status).toBe(404);
  });
  it('metrics on the separate port count decisions by rule and result and latency', async () => {
    await hook.post('/mutate', await fixture('hostpath-root.json'));
    const res = await fetch(hook.metricsUrl);
    const text = await res.text();
    expect(res.status).toBe(200);
    expect(text).toMatch(/epc_webhook_decisions_total\{endpoint="mutate",rule="hostpath-device",result="denied"\} [1-9]/);
    expect(text).toMatch(/epc_webhook_decisions_total\{endpoint="mutate",rule="sgx-pod",result="patched"\} [1-9]/);
    expect(text).toMatch(/epc_webhook_request_duration_seconds_count\{endpoint="mutate"\} [1-9]/);
  });
});

describe('express routing and the fast path answer identically', () => {
  it('same bodies and statuses for allowed, denied, malformed and query-string requests', async () => {
    const slow = await startTestWebhook({ fastPath: false });
    try {
      const cases: Array<[string, unknown]> = [
        ['/mutate', await fixture('multi-container.json')],
        ['/validate', await fixture('hostpath-root.json')],
        ['/mutate?timeout=10s', await fixture('azure-oe-helloworld.json')],
        ['/mutate', '{"kind":'],
      ];
      for (const [path, body] of cases) {
        const [a, b] = await Promise.all([hook.post(path, body), slow.post(path, body)]);
        expect(b.status).toBe(a.status);
        expect(b.json).toEqual(a.json);
      }
      expect((await hook.post('/mutate?timeout=10s', await fixture('multi-container.json'))).json.response.patchType).toBe('JSONPatch');
    } finally {
      await slow.close();
    }
  });
});

describe('lifecycle', () => {
  it('stop() is idempotent and releases both ports', async () => {
    const h = await startTestWebhook();
    const { port, metricsPort } = h.server;
    const first = h.server.stop();
    const second = h.server.stop();
    expect(second).toBe(first);
    await first;
    await h.close();
    const refused = (url: string) => httpsRequest(url, { ca: h.ca.cert }).then(() => 'answered', (e: NodeJS.ErrnoException) => e.code);
    expect(await refused(`https://127.0.0.1:${port}/healthz`)).toBe('ECONNREFUSED');
    expect(await fetch(`http://127.0.0.1:${metricsPort}/metrics`).then(() => 'answered', (e: { cause?: { code?: string } }) => e.cause?.code)).toBe('ECONNREFUSED');
  });
});
