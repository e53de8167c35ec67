/**
 * The webhook never strands a pod: /mutate adds the enclave request only while some Node offers
 * the enclave resource, as its Node watch (against the API server double, through the lean
 * client the CLI uses) sees it; otherwise it admits with a warning naming the missing agent.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { loadKubeAccess } from '../../src/k8s/kube-access.js';
import { KubeHttp } from '../../src/k8s/kube-http.js';
import { NodeOfferWatch, enclaveGate, nodeOffers, type EnclaveOfferState } from '../../src/webhook/index.js';
import { createTestCa, issueServingCert } from '../helpers/certs.js';
import { runCli, spawnCli } from '../helpers/run-cli.js';
import { startDouble, until, type DoubleFixture } from '../testbed/api-server/double-fixture.js';
import { applyJsonPatch } from './json-patch.js';
import { fixture, httpsRequest, startTestWebhook, type TestWebhook } from './webhook-harness.js';

const ENCLAVE = 'sgx.intel.com/enclave';

describe('nodeOffers (pure)', () => {
  it.each([
    ['allocatable > 0', { status: { allocatable: { [ENCLAVE]: '110' }, capacity: { [ENCLAVE]: '110' } } }, true],
    ['allocatable 0 wins over capacity (plugin unregistered)', { status: { allocatable: { [ENCLAVE]: '0' }, capacity: { [ENCLAVE]: '110' } } }, false],
    ['capacity only', { status: { capacity: { [ENCLAVE]: '1' } } }, true],
    ['absent', { status: { allocatable: { cpu: '4' } } }, false],
    ['junk quantity', { status: { allocatable: { [ENCLAVE]: 'lots' } } }, false],
    ['no status', {}, false],
    ['not an object', 'node', false],
  ])('%s', (_name, node, expected) => {
    expect(nodeOffers(node, ENCLAVE)).toBe(expected);
  });

  it('without an offers source the enclave request is always added (as before)', () => {
    expect(enclaveGate(undefined, ENCLAVE)).toEqual({ add: true });
    expect(enclaveGate({ state: () => ({ status: 'not-offered', nodes: 3 }) }, ENCLAVE)).toMatchObject({ add: false, warning: expect.stringMatching(/^no node offers sgx.intel.com\/enclave: the sgx-epc-enforcer agent runs on no node/) });
  });
});

let f: DoubleFixture | undefined;
let watch: NodeOfferWatch | undefined;
let hook: TestWebhook | undefined;
afterEach(async () => {
  await hook?.close();
  await watch?.stop();
  await f?.close();
  hook = watch = f = undefined;
});

async function setup(): Promise<{ http: KubeHttp; states: EnclaveOfferState[] }> {
  f = await startDouble();
  const access = await loadKubeAccess({ file: f.kubeconfigPath });
  const states: EnclaveOfferState[] = [];
  watch = new NodeOfferWatch({ kubeConfig: access, resource: ENCLAVE, backoffMs: { min: 10, max: 50 }, onChange: (s) => states.push(s) });
  return { http: new KubeHttp(access), states };
}

const setAllocatable = (http: KubeHttp, node: string, value: string) =>
  http.request({ method: 'PATCH', path: `/api/v1/nodes/${node}/status`, contentType: 'application/merge-patch+json', body: { status: { allocatable: { [ENCLAVE]: value }, capacity: { [ENCLAVE]: value } } } });

async function mutate(h: TestWebhook): Promise<{ response: any; pod: any }> {
  const review = await fixture('azure-oe-helloworld.json');
  const r = await h.post('/mutate', review);
  expect(r.status).toBe(200);
  const response = r.json.response;
  const patch = response.patch ? JSON.parse(Buffer.from(response.patch, 'base64').toString()) : [];
  return { response, pod: applyJsonPatch(review.request.object, patch) };
}

const enclaveOf = (pod: any) => pod.spec.containers.map((c: any) => c.resources?.limits?.[ENCLAVE]);

describe('the Node watch gates the enclave request', () => {
  it('no node offers it: admitted without it, with a warning; a Node that offers it (watch event): added; gone again: warning', async () => {
    const { http } = await setup();
    await watch!.start();
    hook = await startTestWebhook({ offers: watch });
    expect(watch!.state()).toEqual({ status: 'not-offered', nodes: 0 });

    let m = await mutate(hook);
    expect(m.response.allowed).toBe(true);
    expect(enclaveOf(m.pod)).toEqual([undefined]);
    expect(m.pod.metadata.annotations['sgx.intel.com/epc']).toBeDefined(); // the rest of the mutation still applies
    expect(m.response.warnings).toEqual([expect.stringMatching(/^no node offers sgx.intel.com\/enclave: the sgx-epc-enforcer agent runs on no node .*the sgx.intel.com\/enclave request was not added, so no EPC limit is bound/)]);
    // /validate of the pod /mutate produced: no "did the mutating webhook run?" question
    const v = await hook.post('/validate', { ...(await fixture('azure-oe-helloworld.json')), request: { ...(await fixture('azure-oe-helloworld.json')).request, object: m.pod } });
    expect(v.json.response.allowed).toBe(true);
    expect(JSON.stringify(v.json.response.warnings ?? [])).not.toMatch(/did the mutating webhook run/);
    expect((await httpsRequest(hook.url + '/readyz', { ca: hook.ca.cert })).text).toBe(`ok\n${ENCLAVE} offered by no node (of 0): EPC pods are admitted without the enclave request, with a warning`);

    f!.double.addNode('plain'); // a node without the plugin changes nothing
    await until(() => watch!.state().status === 'not-offered' && (watch!.state() as { nodes: number }).nodes === 1, 'node seen');
    f!.double.addNode('sgx-1');
    await setAllocatable(http, 'sgx-1', '110');
    await until(() => watch!.state().status === 'offered', 'the watch saw the enclave resource');
    m = await mutate(hook);
    expect(enclaveOf(m.pod)).toEqual(['1']);
    expect(m.response.warnings ?? []).toEqual([]);
    expect((await httpsRequest(hook.url + '/readyz', { ca: hook.ca.cert })).text).toMatch(/offered by 1 of 2 node\(s\)/);
    expect(await (await fetch(hook.metricsUrl)).text()).toMatch(/^epc_webhook_nodes_offering_enclave 1$/m);

    await setAllocatable(http, 'sgx-1', '0'); // the plugin unregistered
    await until(() => watch!.state().status === 'not-offered', 'the offer went away');
    m = await mutate(hook);
    expect(enclaveOf(m.pod)).toEqual([undefined]);
    expect(m.response.warnings).toEqual([expect.stringMatching(/^no node offers/)]);

    await setAllocatable(http, 'sgx-1', '110');
    await until(() => watch!.state().status === 'offered', 'offered again');
    await http.request({ method: 'DELETE', path: '/api/v1/nodes/sgx-1' });
    await until(() => watch!.state().status === 'not-offered', 'the node was deleted');
    const metrics = await (await fetch(hook.metricsUrl)).text();
    expect(metrics).toMatch(/^epc_webhook_nodes_offering_enclave 0$/m);
    expect(metrics).toMatch(/epc_webhook_decisions_total\{endpoint="mutate",rule="enclave-not-offered",result="patched"\} 2/);
  });

  it('before the first Node list succeeds (RBAC missing): fail-open, admitted without the request, saying the webhook does not know yet', async () => {
    await setup();
    f!.double.injectFault({ code: 403, pathPrefix: '/api/v1/nodes', watch: false, times: 1e9 });
    await watch!.start(); // the first list was attempted and failed
    expect(watch!.state()).toMatchObject({ status: 'unknown', reason: expect.stringMatching(/HTTP 403/) });
    hook = await startTestWebhook({ offers: watch });
    const m = await mutate(hook);
    expect(m.response.allowed).toBe(true);
    expect(enclaveOf(m.pod)).toEqual([undefined]);
    expect(m.response.warnings).toEqual([expect.stringMatching(/^the webhook does not know yet whether any node offers sgx.intel.com\/enclave \(Node list: HTTP 403.*\); the sgx.intel.com\/enclave request was not added/)]);
    expect(await (await fetch(hook.metricsUrl)).text()).toMatch(/^epc_webhook_nodes_offering_enclave -1$/m);
  });

  it('denials are unchanged while no node offers the resource', async () => {
    await setup();
    await watch!.start();
    hook = await startTestWebhook({ offers: watch });
    const r = await hook.post('/mutate', await fixture('enclave-without-epc.json'));
    expect(r.json.response.allowed).toBe(false);
  });
});

describe('epc webhook --enclave-request (real child process)', () => {
  it('auto (the default) watches Nodes through --kubeconfig and says what it saw in its ready line', async () => {
    f = await startDouble();
    const dir = await mkdtemp(join(tmpdir(), 'epc-offers-cli-'));
    const ca = await createTestCa(dir);
    const serving = await issueServingCert(ca, { service: { name: 'epc-webhook', namespace: 'epc-system' } });
    const child = spawnCli(['webhook', '--host', '127.0.0.1', '--port', '0', '--metrics-port', '0', '--tls-cert', serving.certFile, '--tls-key', serving.keyFile, '--kubeconfig', f.kubeconfigPath]);
    try {
      const line = await new Promise<string>((resolve, reject) => {
        let out = '';
        child.stdout!.on('data', (d) => {
          out += d;
          if (out.includes('\n')) resolve(out.split('\n')[0]);
        });
        child.on('exit', (code) => reject(new Error(`exited ${code}`)));
      });
      const ready = JSON.parse(line) as { event: string; policy: string; enclaveRequest: string; enclave: string };
      expect(ready).toMatchObject({ event: 'ready', policy: 'default', enclaveRequest: 'auto' });
      expect(ready.enclave).toMatch(/^sgx.intel.com\/enclave offered by no node \(of 0\)/);
      expect(f.double.requestLog.some((r) => r.path === '/api/v1/nodes' && !r.watch && r.status === 200)).toBe(true);
    } finally {
      const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
      child.kill('SIGTERM');
      expect(await exited).toBe(0);
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('auto without API access exits 2 naming the way out', async () => {
    const r = await runCli(['webhook', '--tls-cert', '/nonexistent.crt', '--tls-key', '/nonexistent.key', '--kubeconfig', '/nonexistent/kubeconfig']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--enclave-request auto watches Nodes, but no API server access: .*nonexistent\/kubeconfig.*--enclave-request always/);
  });
});
