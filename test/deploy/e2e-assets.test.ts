/**
 * The kind e2e suite cannot run here (no Docker engine), so what it installs and parses is
 * checked in the normal suite: the e2e overlay renders, meets the policy and uses only the
 * locally loaded image; the kind config labels the worker the way the model overlay selects;
 * the metrics reader finds labelled samples.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { packageRoot } from '../../src/util/package-root.js';
import { parseWebhookConfigFile } from '../../src/webhook/config.js';
import { applyJsonPatch } from '../../src/testbed/api-server/patches.js';
import { handleAdmission, resolveWebhookConfig } from '../../src/webhook/index.js';
import { E2E_NS, ENCLAVE, EPC, SNEAKY_PODS, workloadPod } from '../e2e/e2e-pods.js';
import { E2E_IMAGE, metricValue } from '../e2e/kind-harness.js';
import { checkPolicy, SIMULATED_SGX_LABEL } from './policy.js';
import { kustomize, one } from './render.js';
import { validateAll } from './validate-objects.js';
import { AGENT_NS, WEBHOOK_NS } from './variants.js';

describe('e2e assets', () => {
  it('test/e2e/kustomization.yaml: the model overlay with the loaded image, never pulled', async () => {
    const objs = await kustomize('../test/e2e');
    expect(await validateAll(objs)).toEqual([]);
    expect(checkPolicy(objs, { mode: 'model', certs: 'bootstrap', aks: false, agentNamespace: AGENT_NS, webhookNamespace: WEBHOOK_NS })).toEqual([]);
    const containers = objs.flatMap((o) => [...(o.spec?.template?.spec?.initContainers ?? []), ...(o.spec?.template?.spec?.containers ?? [])]);
    expect(containers.length).toBe(4);
    for (const c of containers) expect([c.name, c.image, c.imagePullPolicy]).toEqual([c.name, E2E_IMAGE, 'Never']);
  });

  it('kind-config.yaml labels a worker as a simulated SGX node', () => {
    const cfg = parseYaml(readFileSync(join(packageRoot(), 'test/e2e/kind-config.yaml'), 'utf8')) as { nodes: Array<{ role: string; labels?: Record<string, string> }> };
    expect(cfg.nodes.filter((n) => n.role === 'worker' && n.labels?.[SIMULATED_SGX_LABEL] === 'true')).toHaveLength(1);
  });

  it.each([
    { name: 'labelled sample', labels: { namespace: 'e2e', pod: 'noisy' }, expected: 42 },
    { name: 'other pod', labels: { namespace: 'e2e', pod: 'quiet' }, expected: 0 },
    { name: 'absent pod', labels: { namespace: 'e2e', pod: 'nobody' }, expected: undefined },
  ])('metricValue: $name', ({ labels, expected }) => {
    const text = [
      '# HELP epc_pod_evicted_pages_total pages evicted',
      '# TYPE epc_pod_evicted_pages_total counter',
      'epc_pod_evicted_pages_total{namespace="e2e",pod="noisy"} 42',
      'epc_pod_evicted_pages_total{namespace="e2e",pod="quiet"} 0',
      'epc_pod_evicted_pages_total_other{namespace="e2e",pod="nobody"} 7',
    ].join('\n');
    expect(metricValue(text, 'epc_pod_evicted_pages_total', labels)).toBe(expected);
  });
});

describe('e2e pods through the real webhook decision, as the installed config', () => {
  let config: ReturnType<typeof resolveWebhookConfig>;
  const review = (endpoint: 'mutate' | 'validate', pod: Record<string, any>) => {
    const body = { apiVersion: 'admission.k8s.io/v1', kind: 'AdmissionReview', request: {
      uid: 'e2e-1', kind: { group: '', version: 'v1', kind: 'Pod' }, resource: { group: '', version: 'v1', resource: 'pods' }, requestKind: { group: '', version: 'v1', kind: 'Pod' },
      name: pod.metadata.name, namespace: E2E_NS, operation: 'CREATE', userInfo: { username: 'e2e' }, object: pod, oldObject: null, dryRun: false,
    } };
    const r = handleAdmission(endpoint, body, config);
    expect(r.httpStatus).toBe(200);
    return (r.body as { response: { allowed: boolean; patch?: string; status?: { message: string } } }).response;
  };

  beforeAll(async () => {
    const objs = await kustomize('../test/e2e');
    const cm = one(objs.filter((o) => o.data?.['webhook.yaml']), 'ConfigMap');
    config = resolveWebhookConfig(parseWebhookConfigFile(parseYaml(cm.data['webhook.yaml'])), { policy: 'default' });
  });

  it('the workload pod is valid, gets the enclave slot from /mutate and then passes /validate', async () => {
    const pod = workloadPod('epc-small', { epc: '16Mi', enclaveSize: '8Mi', workingSet: '4Mi', duration: '60s' });
    expect(await validateAll([pod as never])).toEqual([]);
    const m = review('mutate', pod);
    expect(m.allowed).toBe(true);
    const mutated = applyJsonPatch(pod, JSON.parse(Buffer.from(m.patch!, 'base64').toString('utf8')));
    expect(mutated.spec.containers[0].resources.limits[ENCLAVE]).toBe('1');
    expect(mutated.metadata.annotations[EPC]).toBe('16Mi');
    expect(review('validate', mutated).allowed).toBe(true);
  });

  it.each(SNEAKY_PODS.map((p) => ({ name: p.metadata.name, pod: p })))('$name is valid Kubernetes and denied by /validate', async ({ pod }) => {
    expect(await validateAll([pod as never])).toEqual([]);
    const v = review('validate', pod);
    expect(v.allowed).toBe(false);
    expect(v.status?.message).toBeTruthy();
  });
});
