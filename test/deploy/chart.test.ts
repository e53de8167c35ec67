/**
 * The Helm chart with the real helm binary: lint, template of every mode, objects validated
 * against the Kubernetes schemas, the install policy, flags the real CLI declares, the values
 * schema rejecting bad values.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { parseWebhookConfigFile } from '../../src/webhook/config.js';
import { agentNotYetDeclared, flagProblems } from './cli-flags.js';
import { chartValueLeaves } from './chart-values.js';
import { AGENT_METRICS, checkPolicy, metricOf } from './policy.js';
import { all, CHART_DIR, helmLint, helmNotes, helmTemplate, helmTemplateRaw, one, RELEASE, renderWithChartHelpers, type K8sObject } from './render.js';
import { validateAll } from './validate-objects.js';
import { CHART_ONLY, PAIRED } from './variants.js';

const VARIANTS = [...PAIRED.map((p) => ({ name: p.name, values: p.values, variant: p.variant })), ...CHART_ONLY];
const rendered = new Map<string, K8sObject[]>();

beforeAll(async () => {
  const results = await Promise.all(VARIANTS.map((v) => helmTemplate(v.values)));
  VARIANTS.forEach((v, i) => rendered.set(v.name, results[i]));
});

describe('helm lint', () => {
  it.each([
    { name: 'default values', values: {} },
    { name: 'model', values: { mode: 'model' } },
    { name: 'enforce-only + aks + cert-manager + monitoring', values: { mode: 'enforce-only', aks: { enabled: true }, certs: { mode: 'cert-manager' }, monitoring: { grafanaDashboard: { enabled: true }, prometheusRule: { enabled: true } } } },
  ])('passes --strict with $name', async ({ values }) => {
    const r = await helmLint(values);
    expect(r.stderr + r.stdout).toContain('0 chart(s) failed');
    expect(r.ok).toBe(true);
  });
});

describe.each(VARIANTS)('helm template: $name', ({ name, variant }) => {
  const objs = () => rendered.get(name)!;

  it('renders objects that validate against the Kubernetes schemas', async () => {
    expect(objs().length).toBeGreaterThan(10);
    expect(await validateAll(objs())).toEqual([]);
  });

  it('meets the install policy', () => {
    expect(checkPolicy(objs(), variant)).toEqual([]);
  });

  it('passes flags the real CLI definitions accept', () => {
    expect(agentNotYetDeclared()).toEqual([]);
    expect(flagProblems(objs())).toEqual([]);
  });

  it('labels every object the standard way', () => {
    for (const o of objs()) {
      const l = o.metadata.labels ?? {};
      expect({ id: `${o.kind}/${o.metadata.name}`, chart: l['helm.sh/chart'], name: l['app.kubernetes.io/name'], instance: l['app.kubernetes.io/instance'], managedBy: l['app.kubernetes.io/managed-by'], version: l['app.kubernetes.io/version'] })
        .toEqual({ id: `${o.kind}/${o.metadata.name}`, chart: 'sgx-epc-enforcer-0.1.0', name: 'sgx-epc-enforcer', instance: RELEASE, managedBy: 'Helm', version: '0.1.0' });
    }
  });

  it("gives the webhook a config file it accepts, excluding the same namespaces as the selector", () => {
    const cm = one(all(objs(), 'ConfigMap').filter((c) => c.data?.['webhook.yaml']), 'ConfigMap');
    const file = parseWebhookConfigFile(parseYaml(cm.data['webhook.yaml']));
    const sel = one(objs(), 'ValidatingWebhookConfiguration').webhooks[0].namespaceSelector.matchExpressions[0].values;
    expect(file.excludedNamespaces).toEqual(sel);
  });
});

describe('helm template: optional monitoring', () => {
  const objs = () => rendered.get('custom namespaces, strict policy, monitoring')!;

  it('off by default', () => {
    const def = rendered.get('hardware')!;
    expect(def.filter((o) => o.kind === 'PrometheusRule' || o.metadata.name.endsWith('-dashboard'))).toEqual([]);
  });

  it('the dashboard is valid JSON over the agent metrics only', () => {
    const cm = one(objs(), 'ConfigMap', `${RELEASE}-dashboard`);
    expect(cm.metadata.labels?.grafana_dashboard).toBe('1');
    const dash = JSON.parse(cm.data['sgx-epc-enforcer.json']) as { panels: Array<{ targets: Array<{ expr: string }> }> };
    const exprs = dash.panels.flatMap((p) => p.targets.map((t) => t.expr));
    expect(exprs.length).toBeGreaterThan(5);
    for (const m of exprs.flatMap((e) => e.match(/epc_[a-z_]+/g) ?? [])) expect(AGENT_METRICS).toContain(metricOf(m));
    // Every per-pod series and the enforcement histogram are on the dashboard.
    const used = new Set(exprs.flatMap((e) => e.match(/epc_[a-z_]+/g) ?? []).map(metricOf));
    for (const m of AGENT_METRICS.filter((n) => n.startsWith('epc_pod_') || n === 'epc_enforcement_duration_seconds')) expect(used).toContain(m);
  });

  it('the PrometheusRule alerts on pods at their EPC limit using agent metrics only (node pressure also reads the model controller, the webhook alerts the webhook)', () => {
    const rule = one(objs(), 'PrometheusRule');
    const rules = rule.spec.groups.flatMap((g: { rules: unknown[] }) => g.rules) as Array<{ alert: string; expr: string }>;
    expect(rules.map((r) => r.alert)).toContain('SgxEpcPodAtLimit');
    const atLimit = rules.find((r) => r.alert === 'SgxEpcPodAtLimit')!;
    expect(atLimit.expr).toMatch(/epc_pod_current_bytes\s*\/\s*epc_pod_limit_bytes/);
    for (const m of rules.filter((r) => !['SgxEpcNodePressure', 'SgxEpcWebhookErrors'].includes(r.alert)).flatMap((r) => r.expr.match(/epc_[a-z_]+/g) ?? [])) expect(AGENT_METRICS).toContain(metricOf(m));
    // At the limit on a kernel's EPC cgroup (no evicted-page counter there) the limit events say it.
    expect(atLimit.expr).toMatch(/epc_pod_limit_events_total/);
    expect(rules.find((r) => r.alert === 'SgxEpcStartsRefused')?.expr).toMatch(/epc_enforcement_duration_seconds_count\{result="error"\}/);
  });

  it('strict policy and maxPodEpc reach the webhook', () => {
    const dep = one(objs(), 'Deployment');
    expect(dep.spec.template.spec.containers[0].args).toContain('--policy=strict');
    const cm = one(objs(), 'ConfigMap', `${RELEASE}-webhook`);
    expect(parseWebhookConfigFile(parseYaml(cm.data['webhook.yaml']))).toMatchObject({ policy: 'strict', maxPodEpc: '128Mi', excludedNamespaces: ['kube-system', 'epc-agents', 'epc-admission', 'calico-system', 'monitoring'] });
  });
});

describe('NOTES.txt', () => {
  const STATE = ['kubectl get nodes -L sgx-epc-enforcer.io/epc-enforced', 'SgxEpcEnforced', 'kubectl apply -f deploy/examples/sgx-pod.yaml', 'epc doctor --root /host', 'sgx-epc-enforcer-agent-metrics', 'kubectl delete mutatingwebhookconfiguration,validatingwebhookconfiguration sgx-epc-enforcer'];
  it.each([
    { name: 'model', values: { mode: 'model' }, has: ['mode "model", enforce "auto"', '--enforce=auto', 'sgx-epc-enforcer.io/simulated-sgx=true', 'EPC advertised', 'Secret sgx-epc-enforcer-webhook-tls', 'or the model here'], hasNot: ['cert-manager issues', 'Enforce true', 'AKS node images have no sgx_epc'] },
    { name: 'enforce-only + aks + cert-manager', values: { mode: 'enforce-only', aks: { enabled: true }, certs: { mode: 'cert-manager' } }, has: ['mode "enforce-only", enforce "auto"', 'cert-manager issues', "Today's AKS node images have no sgx_epc", 'instance-type'], hasNot: ['EPC advertised', 'simulated-sgx', 'Node Feature Discovery', 'Enforce true'] },
    { name: 'hardware (default: auto)', values: {}, has: ['mode "hardware", enforce "auto"', 'Enforce auto', 'Node Feature Discovery', 'or node.kubernetes.io/instance-type'], hasNot: ['Enforce true', 'Enforce false'] },
    { name: 'hardware strict', values: { agent: { enforce: 'true' } }, has: ['enforce "true"', 'Enforce true (strict)', 'refuses EPC pod'], hasNot: ['Enforce auto', 'Enforce false'] },
    { name: 'aks observe-only (boolean false)', values: { mode: 'enforce-only', aks: { enabled: true }, agent: { enforce: false } }, has: ['enforce "false"', 'Enforce false (observe-only)'], hasNot: ['Enforce auto', 'Enforce true'] },
    { name: 'ServiceMonitor on', values: { monitoring: { serviceMonitor: { enabled: true } } }, has: ['scraped by ServiceMonitor sgx-epc-enforcer-agent (honorLabels: true)', 'ServiceMonitor sgx-epc-enforcer-webhook'], hasNot: ['monitoring.serviceMonitor.enabled=true adds', 'Alerts: PrometheusRule'] },
    { name: 'PrometheusRule on', values: { monitoring: { prometheusRule: { enabled: true } } }, has: ['Alerts: PrometheusRule sgx-epc-enforcer in sgx-epc-system', 'kube-state-metrics'], hasNot: [] },
    {
      name: 'default policy, enclave request auto (defaults)', values: {},
      has: ['policy default: privileged containers, hostPID and hostPaths into cgroupfs', 'are warned about, not denied', 'hostPaths reaching /var/run/epc', 'webhook.extraExcludedNamespaces', 'Enclave request auto', 'only while some', 'https://localhost:8443/readyz', 'grep epc_webhook_nodes_offering_enclave'],
      hasNot: ['are DENIED', 'Enclave request always'],
    },
    {
      name: 'strict policy, enclave request always, moved socket dir', values: { mode: 'model', controller: { socketDir: '/srv/epc' }, webhook: { policy: 'strict', enclaveRequest: 'always' } },
      has: ['policy strict: privileged containers, hostPID and hostPaths into cgroupfs', 'are DENIED in every pod', 'hostPaths reaching /srv/epc', 'Enclave request always', 'stays Pending until an agent offers it'],
      hasNot: ['Enclave request auto', 'epc_webhook_nodes_offering_enclave', 'warned about, not denied'],
    },
  ])('renders for $name', async ({ values, has, hasNot }) => {
    const notes = await helmNotes(values);
    for (const h of [...has, ...STATE]) expect(notes).toContain(h);
    for (const h of hasNot) expect(notes).not.toContain(h);
    // No cluster answers `lookup` here: no Intel webhook warning without one.
    expect(notes).not.toContain("Intel's SGX admission webhook is installed");
  });
});

describe('the webhook config follows the chart\'s host dirs', () => {
  const config = async (values: Record<string, unknown>) => parseWebhookConfigFile(parseYaml(one(await helmTemplate(values), 'ConfigMap', `${RELEASE}-webhook`).data['webhook.yaml']));

  it('defaults: the controller socket dir is listed explicitly; the enforcement paths are the webhook\'s own defaults', async () => {
    const c = await config({});
    expect(c.controllerSocketDirs).toEqual(['/var/run/epc']);
    expect(c.enforcementHostPaths).toBeUndefined();
  });

  it('a moved kubelet dir and controller socket dir are denied as hostPaths', async () => {
    const c = await config({ mode: 'model', agent: { kubeletDir: '/data/kubelet/' }, controller: { socketDir: '/srv/epc' } });
    expect(c.enforcementHostPaths).toEqual(['/sys/fs/cgroup', '/data/kubelet/device-plugins']);
    expect(c.controllerSocketDirs).toEqual(['/srv/epc']);
  });
});

describe('NOTES: detecting Intel\'s SGX webhook among the live MutatingWebhookConfigurations', () => {
  // What `lookup` returns on a live cluster: one configuration whose webhook is called by url
  // (no clientConfig.service: managed control-plane webhooks often are), one without webhooks,
  // Intel's by name and Intel's by path only. A plain field chain on the url one failed the
  // whole `helm install` with "nil pointer evaluating interface {}.path".
  const items = [
    { metadata: { name: 'managed-by-url' }, webhooks: [{ name: 'm.example.com', clientConfig: { url: 'https://203.0.113.1/mutate' } }] },
    { metadata: { name: 'empty' } },
    { metadata: { name: 'intel-by-name' }, webhooks: [{ name: 'sgx.mutator.webhooks.intel.com', clientConfig: { service: { name: 's', namespace: 'n' } } }] },
    { metadata: { name: 'intel-by-path' }, webhooks: [{ name: 'other', clientConfig: { service: { name: 's', namespace: 'n', path: '/pods-sgx' } } }, { name: 'other2', clientConfig: { service: { name: 's', namespace: 'n', path: '/pods-sgx' } } }] },
    { metadata: { name: 'intel-by-url' }, webhooks: [{ name: 'x', clientConfig: { url: 'https://sgx.example/pods-sgx' } }] },
    { metadata: { name: 'plain-service' }, webhooks: [{ name: 'p', clientConfig: { service: { name: 's', namespace: 'n', path: '/mutate' } } }] },
  ];
  const probe = 'names: {{ include "epc.intelWebhookConfigs" .Values.items | quote }}\n';

  it('names Intel\'s configurations and renders past url-based ones', async () => {
    const r = await renderWithChartHelpers(probe, { items });
    expect(r.stderr).not.toContain('nil pointer');
    expect(r.ok).toBe(true);
    expect(parseYaml(r.stdout.replace(/^---.*$/m, ''))).toEqual({ names: 'intel-by-name, intel-by-path, intel-by-url' });
  });

  it('is empty without Intel\'s webhook (and for no configurations at all)', async () => {
    for (const list of [items.filter((i) => !i.metadata.name.startsWith('intel')), []]) {
      const r = await renderWithChartHelpers(probe, { items: list });
      expect(r.ok, r.stderr).toBe(true);
      expect(parseYaml(r.stdout.replace(/^---.*$/m, ''))).toEqual({ names: '' });
    }
  });
});

describe('values.schema.json rejects bad values', () => {
  it.each([
    { name: 'unknown mode', values: { mode: 'simulated' }, field: 'mode' },
    { name: 'unknown cert mode', values: { certs: { mode: 'letsencrypt' } }, field: 'certs/mode' },
    { name: 'timeout above 5 s', values: { webhook: { timeoutSeconds: 10 } }, field: 'webhook/timeoutSeconds' },
    { name: 'failurePolicy typo', values: { webhook: { failurePolicy: 'fail' } }, field: 'webhook/failurePolicy' },
    { name: 'zero replicas', values: { webhook: { replicas: 0 } }, field: 'webhook/replicas' },
    { name: 'unknown policy', values: { webhook: { policy: 'paranoid' } }, field: 'webhook/policy' },
    { name: 'bad maxPodEpc', values: { webhook: { maxPodEpc: '-1Mi' } }, field: 'webhook/maxPodEpc' },
    { name: 'unknown backend', values: { agent: { epcBackend: 'ebpf' } }, field: 'agent/epcBackend' },
    { name: 'enforce not auto|true|false', values: { agent: { enforce: 'no' } }, field: 'agent/enforce' },
    { name: 'bad scrape interval', values: { monitoring: { serviceMonitor: { interval: '30 seconds' } } }, field: 'monitoring/serviceMonitor/interval' },
    { name: 'port out of range', values: { agent: { metricsPort: 70000 } }, field: 'agent/metricsPort' },
    { name: 'relative kubelet dir', values: { agent: { kubeletDir: 'var/lib/kubelet' } }, field: 'agent/kubeletDir' },
    { name: 'bad capacity', values: { controller: { capacity: 'lots' } }, field: 'controller/capacity' },
    { name: 'bad namespace name', values: { namespaces: { agent: 'SGX_System' } }, field: 'namespaces/agent' },
    { name: 'non-DC instance type', values: { aks: { instanceTypes: ['Standard_D4s_v5'] } }, field: 'aks/instanceTypes/0' },
    { name: 'bad pull policy', values: { image: { pullPolicy: 'Sometimes' } }, field: 'image/pullPolicy' },
    { name: 'bad memory quantity', values: { agent: { resources: { limits: { memory: '256 MB' } } } }, field: 'agent/resources/limits/memory' },
    { name: 'unknown top-level key (typo)', values: { webhooks: { replicas: 3 } }, field: 'webhooks' },
    { name: 'unknown nested key (typo)', values: { webhook: { replica: 3 } }, field: 'replica' },
    { name: 'bad alert duration', values: { monitoring: { prometheusRule: { for: 'ten minutes' } } }, field: 'monitoring/prometheusRule/for' },
  ])('$name', async ({ values, field }) => {
    const r = await helmTemplateRaw(values);
    expect(r.ok).toBe(false);
    expect(r.stderr).toContain(field);
  });

  it('accepts the documented defaults explicitly restated', async () => {
    const r = await helmTemplateRaw({ mode: 'hardware', certs: { mode: 'bootstrap' }, webhook: { timeoutSeconds: 5, failurePolicy: 'Ignore', replicas: 3 } });
    expect(r.stderr).toBe('');
    expect(r.ok).toBe(true);
  });
});

describe('values.yaml', () => {
  const text = readFileSync(join(CHART_DIR, 'values.yaml'), 'utf8');
  const readme = readFileSync(join(CHART_DIR, 'README.md'), 'utf8');
  const schema = JSON.parse(readFileSync(join(CHART_DIR, 'values.schema.json'), 'utf8'));
  const leaves = chartValueLeaves(parseYaml(text));

  it('uses camelCase keys', () => {
    expect(leaves.length).toBeGreaterThan(30);
    for (const p of leaves) for (const k of p.split('.')) expect(k).toMatch(/^[a-z][a-zA-Z0-9]*$/);
  });

  it('documents every value in the chart README and covers it in the schema', () => {
    for (const p of leaves) {
      const parts = p.split('.');
      const last = parts.at(-1)!;
      expect({ p, documented: readme.includes(`\`${p}\``) || readme.includes(`.${last}\``) || readme.includes(`/ \`.${last}\``) }).toEqual({ p, documented: true });
      let node = schema;
      for (const k of parts) node = node?.properties?.[k];
      expect({ p, inSchema: node !== undefined }).toEqual({ p, inSchema: true });
    }
  });
});
