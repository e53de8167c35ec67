/**
 * Operator safety of the webhook's denials for every pod (hostPaths reaching the controller socket
 * dir: /, /var, /var/run, /run, /proc; strict: privileged containers): the cluster's own node
 * DaemonSets must not be refused on their next rollout. kube-system and `webhook.systemNamespaces`
 * (calico-system, monitoring by default) are excluded in every overlay and chart variant, both by
 * the webhook configurations' namespaceSelector (the API server never calls) and by the webhook's
 * own config (its real decision, defense in depth); the same pods in a tenant namespace are denied.
 */
import { describe, expect, it } from 'vitest';
import { handleAdmission, type WebhookConfig } from '../../src/webhook/index.js';
import { podReview } from '../webhook/pod-review.js';
import { all, helmTemplate, kustomize, type K8sObject } from './render.js';
import { renderedWebhookConfig } from './rendered-webhook-config.js';
import { CHART_ONLY, MODE_X_ENFORCE, PAIRED } from './variants.js';

type Pod = { metadata: { name: string; namespace: string }; spec: Record<string, unknown> };

function daemonPod(name: string, namespace: string, hostPaths: string[], privileged: boolean): Pod {
  return {
    metadata: { name, namespace },
    spec: {
      containers: [{ name, image: `${name}:1`, ...(privileged ? { securityContext: { privileged: true } } : {}), volumeMounts: hostPaths.map((_, i) => ({ name: `h${i}`, mountPath: `/host${i}` })) }],
      volumes: hostPaths.map((path, i) => ({ name: `h${i}`, hostPath: { path } })),
    },
  };
}

/** What the most common node DaemonSets mount, in the namespaces their installers use. */
const SYSTEM_DAEMONSETS = (ns: { monitoring: string; calico: string }) => [
  daemonPod('node-exporter', ns.monitoring, ['/', '/proc', '/sys'], false), // kube-prometheus
  daemonPod('calico-node', ns.calico, ['/lib/modules', '/run/xtables.lock', '/var/run/calico', '/var/lib/calico', '/proc', '/sys/fs/bpf'], true),
  daemonPod('kube-proxy', 'kube-system', ['/run/xtables.lock', '/lib/modules'], true),
  daemonPod('csi-node', 'kube-system', ['/var/lib/kubelet', '/dev', '/var/lib/kubelet/plugins_registry'], true),
  daemonPod('cilium', 'kube-system', ['/proc', '/var/run/cilium', '/sys/fs/bpf', '/run/xtables.lock'], true),
];

interface Rendered {
  config: WebhookConfig;
  /** Every webhook entry's namespaceSelector. */
  selectors: Array<{ name: string; matchExpressions: Array<{ key: string; operator: string; values?: string[] }> }>;
}

function rendered(objs: K8sObject[]): Rendered {
  const config = renderedWebhookConfig(objs);
  const selectors = [...all(objs, 'MutatingWebhookConfiguration'), ...all(objs, 'ValidatingWebhookConfiguration')].flatMap((c) =>
    (c.webhooks as K8sObject[]).map((w) => ({ name: w.name as string, matchExpressions: w.namespaceSelector?.matchExpressions ?? [] })),
  );
  expect(selectors.length).toBeGreaterThanOrEqual(3);
  return { config, selectors };
}

/** Whether the API server would send a pod of namespace `ns` (labels: only the immutable name) to a webhook. */
function selected(sel: Rendered['selectors'][number], ns: string): boolean {
  const labels: Record<string, string> = { 'kubernetes.io/metadata.name': ns };
  return sel.matchExpressions.every((e) => {
    const v = labels[e.key];
    if (e.operator === 'In') return v !== undefined && e.values!.includes(v);
    if (e.operator === 'NotIn') return v === undefined || !e.values!.includes(v);
    if (e.operator === 'Exists') return v !== undefined;
    if (e.operator === 'DoesNotExist') return v === undefined;
    throw new Error(`operator ${e.operator}`);
  });
}

function decide(config: WebhookConfig, endpoint: 'mutate' | 'validate', pod: Pod) {
  return handleAdmission(endpoint, podReview(pod, pod.metadata.namespace), config).labels;
}

function expectSystemDaemonSetsAdmitted(r: Rendered, ns = { monitoring: 'monitoring', calico: 'calico-system' }): void {
  for (const pod of SYSTEM_DAEMONSETS(ns)) {
    const where = `${pod.metadata.name} in ${pod.metadata.namespace}`;
    for (const s of r.selectors) expect(selected(s, pod.metadata.namespace), `${s.name} does not select ${where}`).toBe(false);
    for (const endpoint of ['mutate', 'validate'] as const) expect(decide(r.config, endpoint, pod), `${endpoint}: ${where}`).toEqual({ rule: 'excluded-namespace', result: 'allowed' });
  }
}

describe('the cluster\'s own node DaemonSets are never refused', () => {
  it.each(PAIRED)('deploy/$overlay', async ({ overlay }) => {
    expectSystemDaemonSetsAdmitted(rendered(await kustomize(overlay)));
  });

  it.each([...new Map([...MODE_X_ENFORCE, ...CHART_ONLY].map((v) => [v.name, v.values] as const))])('chart: %s', async (_n, values) => {
    expectSystemDaemonSetsAdmitted(rendered(await helmTemplate(values)));
  });

  it('the same pods in a tenant namespace are judged and denied (the exclusion is what admits them)', async () => {
    const r = rendered(await helmTemplate({ webhook: { policy: 'strict' } }));
    const tenant = SYSTEM_DAEMONSETS({ monitoring: 'team-a', calico: 'team-a' });
    expect(r.selectors.filter((s) => !s.matchExpressions.some((e) => e.operator === 'In')).every((s) => selected(s, 'team-a'))).toBe(true);
    const byName = Object.fromEntries(tenant.map((p) => [p.metadata.name, decide(r.config, 'validate', { ...p, metadata: { ...p.metadata, namespace: 'team-a' } })]));
    expect(byName['node-exporter']).toEqual({ rule: 'hostpath-controller-socket', result: 'denied' });
    expect(byName['calico-node']).toEqual({ rule: 'hostpath-controller-socket', result: 'denied' });
    expect(byName['cilium']).toEqual({ rule: 'hostpath-controller-socket', result: 'denied' });
    expect(byName['kube-proxy'].result).toBe('denied'); // strict: privileged
    expect(byName['csi-node'].result).toBe('denied'); // /dev without EPC
  });

  it('webhook.systemNamespaces can be emptied (then monitoring is judged) and extraExcludedNamespaces adds more', async () => {
    const none = rendered(await helmTemplate({ webhook: { systemNamespaces: [] } }));
    expect(none.config.excludedNamespaces).toEqual(['kube-system', 'sgx-epc-system', 'sgx-epc-webhook']);
    expect(decide(none.config, 'validate', SYSTEM_DAEMONSETS({ monitoring: 'monitoring', calico: 'calico-system' })[0])).toEqual({ rule: 'hostpath-controller-socket', result: 'denied' });
    const more = rendered(await helmTemplate({ webhook: { systemNamespaces: ['prometheus'], extraExcludedNamespaces: ['calico-system', 'cadvisor'] } }));
    expect(more.config.excludedNamespaces).toEqual(['kube-system', 'sgx-epc-system', 'sgx-epc-webhook', 'prometheus', 'calico-system', 'cadvisor']);
    expectSystemDaemonSetsAdmitted(more, { monitoring: 'prometheus', calico: 'calico-system' });
    expect(decide(more.config, 'validate', daemonPod('cadvisor', 'cadvisor', ['/', '/var/run', '/sys', '/var/lib/docker'], true))).toEqual({ rule: 'excluded-namespace', result: 'allowed' });
  });
});
