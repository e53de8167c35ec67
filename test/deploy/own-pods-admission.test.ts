/**
 * The install's own pods (agent, controller, webhook) through the webhook with the config each
 * install renders: every one is admitted because its namespace is excluded; the same pod in a
 * tenant namespace is denied (the model's agent and controller mount the controller socket dir).
 * Real kubectl kustomize and helm template.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { handleAdmission, type WebhookConfig } from '../../src/webhook/index.js';
import { podReview } from '../webhook/pod-review.js';
import { helmTemplate, kustomize, type K8sObject } from './render.js';
import { renderedWebhookConfig } from './rendered-webhook-config.js';
import { PAIRED } from './variants.js';

const WORKLOADS = ['DaemonSet', 'Deployment', 'Job', 'StatefulSet'];

function podsOf(objs: K8sObject[]): Array<{ id: string; namespace: string; pod: K8sObject }> {
  return objs
    .filter((o) => WORKLOADS.includes(o.kind))
    .map((o) => {
      const namespace = o.metadata.namespace ?? 'default';
      const t = o.spec.template;
      return { id: `${o.kind}/${o.metadata.name}`, namespace, pod: { apiVersion: 'v1', kind: 'Pod', metadata: { ...t.metadata, name: `${o.metadata.name}-x`, namespace }, spec: t.spec } };
    });
}
function decide(endpoint: 'mutate' | 'validate', pod: K8sObject, namespace: string, config: WebhookConfig) {
  return handleAdmission(endpoint, podReview({ ...pod, metadata: { ...pod.metadata, namespace } }, namespace), config);
}
const mountsControllerDir = (pod: K8sObject) => (pod.spec.volumes ?? []).some((v: any) => /^\/(var\/)?run\/epc(\/|$)/.test(v.hostPath?.path ?? ''));

const installs = new Map<string, K8sObject[]>();
beforeAll(async () => {
  const rendered = await Promise.all(PAIRED.flatMap((p) => [kustomize(p.overlay), helmTemplate(p.values)]));
  PAIRED.forEach((p, i) => {
    installs.set(`kustomize ${p.overlay}`, rendered[2 * i]);
    installs.set(`helm ${p.name}`, rendered[2 * i + 1]);
  });
});

describe.each(PAIRED.flatMap((p) => [`kustomize ${p.overlay}`, `helm ${p.name}`]))('%s: own pods through the rendered webhook config', (name) => {
  it('every own pod is admitted (excluded namespace); outside it, pods mounting the socket dir are denied', () => {
    const objs = installs.get(name)!;
    const config = renderedWebhookConfig(objs);
    const pods = podsOf(objs);
    expect(pods.length).toBeGreaterThan(0);
    for (const { id, namespace, pod } of pods) {
      for (const endpoint of ['mutate', 'validate'] as const) {
        expect([id, decide(endpoint, pod, namespace, config).labels]).toEqual([id, { rule: 'excluded-namespace', result: 'allowed' }]);
      }
      if (mountsControllerDir(pod)) expect([id, decide('validate', pod, 'team-a', config).labels]).toEqual([id, { rule: 'hostpath-controller-socket', result: 'denied' }]);
    }
    if (name.includes('model')) expect(pods.some((p) => mountsControllerDir(p.pod))).toBe(true);
  });
});
