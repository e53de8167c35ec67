/**
 * The policy checker itself can fail: each broken copy of a compliant install (the model
 * overlay) yields the violation that names the broken point.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { flagProblems } from './cli-flags.js';
import { checkPolicy, type Variant } from './policy.js';
import { kustomize, type K8sObject } from './render.js';
import { validateAll } from './validate-objects.js';
import { AGENT_NS, WEBHOOK_NS } from './variants.js';

const VARIANT: Variant = { mode: 'model', certs: 'bootstrap', aks: false, agentNamespace: AGENT_NS, webhookNamespace: WEBHOOK_NS };
let good: K8sObject[];

beforeAll(async () => {
  good = await kustomize('overlays/model');
});

const kind = (objs: K8sObject[], k: string, name?: string) => objs.find((o) => o.kind === k && (!name || o.metadata.name === name))!;
const ds = (objs: K8sObject[]) => kind(objs, 'DaemonSet').spec.template.spec;
const dep = (objs: K8sObject[]) => kind(objs, 'Deployment').spec.template.spec;

const BREAKAGES: Array<{ name: string; breakIt: (o: K8sObject[]) => void; expected: RegExp }> = [
  { name: 'webhook namespace not restricted', breakIt: (o) => (kind(o, 'Namespace', WEBHOOK_NS).metadata.labels!['pod-security.kubernetes.io/enforce'] = 'baseline'), expected: /PSA restricted/ },
  { name: 'wildcard verb in a role', breakIt: (o) => (kind(o, 'ClusterRole', 'sgx-epc-enforcer-agent').rules[0].verbs = ['*']), expected: /wildcard/ },
  { name: 'agent may list secrets', breakIt: (o) => kind(o, 'ClusterRole', 'sgx-epc-enforcer-agent').rules.push({ apiGroups: [''], resources: ['secrets'], verbs: ['list'] }), expected: /list\/watch secrets|agent RBAC/ },
  { name: 'webhook may touch any Secret', breakIt: (o) => delete kind(o, 'Role').rules[1].resourceNames, expected: /webhook RBAC/ },
  { name: 'agent not node-critical', breakIt: (o) => (ds(o).priorityClassName = 'system-cluster-critical'), expected: /system-node-critical/ },
  { name: 'pod-resources socket file mounted', breakIt: (o) => (ds(o).volumes.find((v: K8sObject) => v.name === 'pod-resources').hostPath = { path: '/var/lib/kubelet/pod-resources/kubelet.sock', type: 'Socket' }), expected: /pod-resources DIRECTORY/ },
  { name: 'NODE_NAME hard-coded', breakIt: (o) => (ds(o).containers[0].env[0] = { name: 'NODE_NAME', value: 'node-1' }), expected: /downward API/ },
  { name: 'capability added', breakIt: (o) => (ds(o).containers[0].securityContext.capabilities.add = ['SYS_ADMIN']), expected: /drop ALL/ },
  { name: 'writable root filesystem', breakIt: (o) => (dep(o).containers[0].securityContext.readOnlyRootFilesystem = false), expected: /readOnlyRootFilesystem/ },
  { name: 'no probes on the controller', breakIt: (o) => delete ds(o).containers[1].readinessProbe, expected: /probes/ },
  { name: 'no memory limit', breakIt: (o) => delete ds(o).containers[0].resources.limits, expected: /memory limit/ },
  { name: 'OnDelete updates', breakIt: (o) => (kind(o, 'DaemonSet').spec.updateStrategy = { type: 'OnDelete' }), expected: /RollingUpdate/ },
  { name: 'one webhook replica', breakIt: (o) => (kind(o, 'Deployment').spec.replicas = 1), expected: /2 replicas/ },
  { name: 'webhook runs as root', breakIt: (o) => (dep(o).securityContext.runAsNonRoot = false), expected: /runAsNonRoot/ },
  { name: 'timeout 10 s', breakIt: (o) => (kind(o, 'ValidatingWebhookConfiguration').webhooks[0].timeoutSeconds = 10), expected: /timeoutSeconds/ },
  { name: 'failurePolicy left to the default', breakIt: (o) => delete kind(o, 'MutatingWebhookConfiguration').webhooks[0].failurePolicy, expected: /failurePolicy must be explicit/ },
  { name: 'sideEffects Some', breakIt: (o) => (kind(o, 'MutatingWebhookConfiguration').webhooks[0].sideEffects = 'Some'), expected: /sideEffects/ },
  { name: 'kube-system not excluded', breakIt: (o) => (kind(o, 'MutatingWebhookConfiguration').webhooks[0].namespaceSelector.matchExpressions[0].values = [WEBHOOK_NS, AGENT_NS]), expected: /exclude kube-system/ },
  { name: 'selector on a mutable label', breakIt: (o) => (kind(o, 'ValidatingWebhookConfiguration').webhooks[0].namespaceSelector.matchExpressions[0].key = 'name'), expected: /kubernetes.io\/metadata.name/ },
  { name: 'PDB selects nothing', breakIt: (o) => (kind(o, 'PodDisruptionBudget').spec.selector.matchLabels = { app: 'other' }), expected: /PDB/ },
  { name: 'ephemeral containers not validated', breakIt: (o) => kind(o, 'ValidatingWebhookConfiguration').webhooks[0].rules.splice(1, 1), expected: /pods\/ephemeralcontainers/ },
  { name: 'ephemeral containers validated on CREATE only', breakIt: (o) => (kind(o, 'ValidatingWebhookConfiguration').webhooks[0].rules[1].operations = ['CREATE']), expected: /UPDATE of pods\/ephemeralcontainers/ },
  { name: 'wrong webhook path', breakIt: (o) => (kind(o, 'ValidatingWebhookConfiguration').webhooks[0].clientConfig.service.path = '/mutate'), expected: /wrong path/ },
  { name: 'no controller in model mode', breakIt: (o) => ds(o).containers.splice(1, 1), expected: /controller container/ },
  { name: 'agent with a NODE_OPTIONS env', breakIt: (o) => ds(o).containers[0].env.push({ name: 'NODE_OPTIONS', value: '--max-old-space-size=128' }), expected: /agent env NODE_OPTIONS must not be set/ },
  { name: 'agent with a malloc env', breakIt: (o) => ds(o).containers[0].env.push({ name: 'MALLOC_TRIM_THRESHOLD_', value: '131072' }), expected: /agent env MALLOC_TRIM_THRESHOLD_ must not be set/ },
  { name: 'agent memory request below the measured RSS', breakIt: (o) => (ds(o).containers[0].resources.requests.memory = '64Mi'), expected: /agent memory request must cover/ },
  { name: 'agent memory limit without headroom', breakIt: (o) => (ds(o).containers[0].resources.limits.memory = '100Mi'), expected: /agent memory request must cover/ },
];

describe('checkPolicy finds each broken point', () => {
  it('accepts the intact model overlay', () => {
    expect(checkPolicy(good, VARIANT)).toEqual([]);
  });

  it.each(BREAKAGES)('$name', ({ breakIt, expected }) => {
    const copy = structuredClone(good);
    breakIt(copy);
    const violations = checkPolicy(copy, VARIANT);
    expect(violations.some((v) => expected.test(v)), violations.join('\n')).toBe(true);
  });
});

describe('schema validation can fail', () => {
  it.each([
    { name: 'bad quantity', breakIt: (o: K8sObject[]) => (ds(o).containers[0].resources.limits.memory = '256 MB'), expected: /memory/ },
    { name: 'missing container name', breakIt: (o: K8sObject[]) => delete dep(o).containers[0].name, expected: /name/ },
    { name: 'bad failurePolicy type', breakIt: (o: K8sObject[]) => (kind(o, 'MutatingWebhookConfiguration').webhooks[0].timeoutSeconds = 'five'), expected: /timeoutSeconds/ },
    { name: 'unknown kind', breakIt: (o: K8sObject[]) => o.push({ apiVersion: 'apps/v1', kind: 'Deamonset', metadata: { name: 'x' } }), expected: /unknown kind/ },
  ])('$name', async ({ breakIt, expected }) => {
    const copy = structuredClone(good);
    breakIt(copy);
    const errors = await validateAll(copy);
    expect(errors.some((e) => expected.test(e)), errors.join('\n')).toBe(true);
  });
});

describe('flagProblems parses with the real CLI definitions', () => {
  it.each([
    { name: 'unknown webhook flag', breakIt: (o: K8sObject[]) => dep(o).containers[0].args.push('--tls-crt=/tls/tls.crt'), expected: /not accepted: --tls-crt/ },
    { name: 'value outside the choices', breakIt: (o: K8sObject[]) => (dep(o).containers[0].args[6] = '--policy=lenient'), expected: /lenient/ },
    { name: 'value for a boolean flag', breakIt: (o: K8sObject[]) => ds(o).containers[0].args.push('--standalone=yes'), expected: /not accepted: --standalone=yes/ },
    { name: 'unknown controller flag', breakIt: (o: K8sObject[]) => ds(o).containers[1].args.push('--capacty=1Gi'), expected: /--capacty/ },
    { name: 'unknown subcommand', breakIt: (o: K8sObject[]) => (ds(o).containers[1].args[0] = 'epc-controller'), expected: /unknown subcommand/ },
    { name: 'unknown cert-bootstrap flag', breakIt: (o: K8sObject[]) => dep(o).initContainers[0].args.push('--ttl=1y'), expected: /--ttl/ },
  ])('$name', ({ breakIt, expected }) => {
    expect(flagProblems(good)).toEqual([]);
    const copy = structuredClone(good);
    breakIt(copy);
    const problems = flagProblems(copy);
    expect(problems.some((p) => expected.test(p)), problems.join('\n')).toBe(true);
  });
});
