/**
 * deploy/components/monitoring: the kustomize twin of the chart's monitoring values. Added to each
 * overlay the way a user would (a kustomization listing the overlay and the component), it must
 * scrape that overlay's agent metrics Service with honorLabels, and carry the chart's rules
 * (default values), ServiceMonitor endpoints (mode model: agent and controller ports) and
 * dashboard unchanged.
 */
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { beforeAll, describe, expect, it } from 'vitest';
import { ensureK8sTools } from '../helpers/k8s-tools.js';
import { promqlRefs } from './promql-names.js';
import { all, DEPLOY_DIR, helmTemplate, kustomizeComposed, one, parseManifests, RELEASE, type K8sObject } from './render.js';

const OVERLAYS = [
  { overlay: 'hardware', ports: ['metrics'] },
  { overlay: 'aks', ports: ['metrics'] },
  { overlay: 'cert-manager', ports: ['metrics'] },
  { overlay: 'model', ports: ['metrics', 'model-metrics'] },
];
const MONITORING = { grafanaDashboard: { enabled: true }, prometheusRule: { enabled: true }, serviceMonitor: { enabled: true } };

let chart: K8sObject[];
const rendered = new Map<string, K8sObject[]>();

beforeAll(async () => {
  chart = await helmTemplate({ mode: 'model', monitoring: MONITORING });
  for (const { overlay } of OVERLAYS) rendered.set(overlay, await kustomizeComposed([`overlays/${overlay}`], ['components/monitoring']));
});

const matches = (sel: Record<string, string>, labels: Record<string, string> | undefined) => Object.keys(sel).length > 0 && Object.entries(sel).every(([k, v]) => labels?.[k] === v);

describe.each(OVERLAYS)('overlays/$overlay + components/monitoring', ({ overlay, ports }) => {
  const objs = () => rendered.get(overlay)!;

  it('the agent ServiceMonitor scrapes exactly the agent metrics Service, every endpoint with honorLabels and the node relabeling', () => {
    const sm = one(objs(), 'ServiceMonitor', `${RELEASE}-agent`);
    const selected = all(objs(), 'Service').filter((s) => s.metadata.namespace === sm.metadata.namespace && matches(sm.spec.selector.matchLabels, s.metadata.labels));
    expect(selected.map((s) => s.metadata.name)).toEqual([`${RELEASE}-agent-metrics`]);
    expect(sm.spec.namespaceSelector.matchNames).toEqual([selected[0].metadata.namespace]);
    expect(matches(selected[0].spec.selector, one(objs(), 'DaemonSet').spec.template.metadata.labels)).toBe(true);
    // The endpoints that find a port on this overlay's Service: the agent's, and the controller's in model.
    const svcPorts = selected[0].spec.ports.map((p: K8sObject) => p.name);
    expect(sm.spec.endpoints.map((e: K8sObject) => e.port).filter((p: string) => svcPorts.includes(p))).toEqual(ports);
    for (const e of sm.spec.endpoints) expect(e).toMatchObject({ honorLabels: true, relabelings: [{ sourceLabels: ['__meta_kubernetes_pod_node_name'], targetLabel: 'node' }] });
  });

  it('the rules\' job matchers name exactly the Services its ServiceMonitors scrape', () => {
    const scraped = all(objs(), 'ServiceMonitor').flatMap((sm) => {
      expect(sm.spec.jobLabel).toBeUndefined(); // job = the Service's name
      return all(objs(), 'Service').filter((s) => s.metadata.namespace === sm.metadata.namespace && matches(sm.spec.selector.matchLabels, s.metadata.labels)).map((s) => s.metadata.name as string);
    });
    const jobs = one(objs(), 'PrometheusRule').spec.groups.flatMap((g: K8sObject) => g.rules).flatMap((r: K8sObject) => promqlRefs(r.expr).matchers.filter((m) => m.label === 'job').map((m) => m.value));
    expect([...new Set(jobs)].sort()).toEqual([...new Set(scraped)].sort());
  });

  it('same rules, ServiceMonitor endpoints and dashboard as the chart (mode model, default values)', () => {
    expect(one(objs(), 'PrometheusRule').spec).toEqual(one(chart, 'PrometheusRule').spec);
    for (const name of [`${RELEASE}-agent`, `${RELEASE}-webhook`]) {
      const [mine, theirs] = [one(objs(), 'ServiceMonitor', name), one(chart, 'ServiceMonitor', name)];
      expect({ name, namespace: mine.metadata.namespace, endpoints: mine.spec.endpoints, namespaces: mine.spec.namespaceSelector }).toEqual({ name, namespace: theirs.metadata.namespace, endpoints: theirs.spec.endpoints, namespaces: theirs.spec.namespaceSelector });
    }
    // The webhook's selects exactly the webhook Service here too.
    const wsm = one(objs(), 'ServiceMonitor', `${RELEASE}-webhook`);
    expect(all(objs(), 'Service').filter((s) => s.metadata.namespace === wsm.metadata.namespace && matches(wsm.spec.selector.matchLabels, s.metadata.labels)).map((s) => s.metadata.name)).toEqual([`${RELEASE}-webhook`]);
    const dash = one(objs(), 'ConfigMap', `${RELEASE}-dashboard`);
    // The chart embeds the file with `|-` (no final newline); the generator keeps it.
    const key = 'sgx-epc-enforcer.json';
    expect(Object.keys(dash.data)).toEqual([key]);
    expect(dash.data[key].trimEnd()).toBe(one(chart, 'ConfigMap', `${RELEASE}-dashboard`).data[key]);
    expect(dash.metadata.labels).toMatchObject({ grafana_dashboard: '1' });
    for (const o of [dash, one(objs(), 'PrometheusRule'), one(objs(), 'ServiceMonitor', `${RELEASE}-agent`)]) expect(o.metadata.namespace).toBe(one(objs(), 'DaemonSet').metadata.namespace);
  });
});

it('the chart in mode hardware scrapes the agent endpoint only (the component adds the controller endpoint, which finds no port there)', async () => {
  const hw = await helmTemplate({ monitoring: MONITORING });
  const component = one(rendered.get('hardware')!, 'ServiceMonitor', `${RELEASE}-agent`).spec.endpoints;
  expect(one(hw, 'ServiceMonitor', `${RELEASE}-agent`).spec.endpoints).toEqual(component.filter((e: K8sObject) => e.port === 'metrics'));
});

it('the kustomization deploy/README.md shows under "Monitoring component" renders, with the component\'s objects', async () => {
  const text = await readFile(join(DEPLOY_DIR, 'README.md'), 'utf8');
  const at = text.indexOf('## Monitoring component');
  expect(at).toBeGreaterThanOrEqual(0);
  const block = /```yaml\n([\s\S]*?)```/.exec(text.slice(at, text.indexOf('\n## ', at + 5)));
  expect(block, 'a yaml block under "Monitoring component"').not.toBeNull();
  const dir = await mkdtemp(join(tmpdir(), 'epc-monitoring-'));
  try {
    // The README's layout: the user's directory next to deploy/ (here a symlink to the checkout's deploy/).
    await symlink(DEPLOY_DIR, join(dir, 'deploy'));
    await mkdir(join(dir, 'mine'));
    await writeFile(join(dir, 'mine', 'kustomization.yaml'), block![1]);
    const { kubectl } = await ensureK8sTools();
    const { stdout } = await promisify(execFile)(kubectl, ['kustomize', join(dir, 'mine')], { maxBuffer: 32 * 1024 * 1024 });
    const objs = parseManifests(stdout);
    for (const [kind, n] of [['ServiceMonitor', 2], ['PrometheusRule', 1], ['DaemonSet', 1]] as const) expect(all(objs, kind).length, kind).toBe(n);
    expect(one(objs, 'ConfigMap', `${RELEASE}-dashboard`).metadata.labels).toMatchObject({ grafana_dashboard: '1' });
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
