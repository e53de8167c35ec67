/**
 * Monitoring that works (issue 15): the agent metrics Service and the optional ServiceMonitor
 * (honorLabels) as rendered by the real helm, and the chart's alerts and dashboard checked by the
 * real promtool: `check rules` on the rules extracted from the rendered PrometheusRule, and
 * `test rules` with input series (as scraped with honorLabels: the agent's namespace/pod labels
 * kept) for every alert, each with a series that must not fire next to it.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Registry } from 'prom-client';
import { beforeAll, describe, expect, it } from 'vitest';
import { AgentMetrics } from '../../src/agent/agent-metrics.js';
import { ENFORCE_MODES, USABLE } from '../../src/agent/epc-controller-state.js';
import { nodeEnforcement } from '../../src/agent/node-enforcement.js';
import { ControllerMetrics } from '../../src/controller/controller-metrics.js';
import { packageRoot } from '../../src/util/package-root.js';
import { WebhookMetrics } from '../../src/webhook/webhook-metrics.js';
import { codeSpans, section, tables } from '../readme/markdown.js';
import { findPromtool, promtool } from './promtool.js';
import { exposedNames, promqlRefs } from './promql-names.js';
import { all, helmTemplate, one, RELEASE, type K8sObject } from './render.js';

const MONITORING = { grafanaDashboard: { enabled: true }, prometheusRule: { enabled: true }, serviceMonitor: { enabled: true } };
let hardware: K8sObject[];
let model: K8sObject[];
let off: K8sObject[];
let tool: { path?: string; reason?: string };

beforeAll(async () => {
  [hardware, model, off, tool] = await Promise.all([helmTemplate({ monitoring: MONITORING }), helmTemplate({ mode: 'model', monitoring: MONITORING }), helmTemplate({}), findPromtool()]);
  if (!tool.path) console.warn(`monitoring.test: promtool tests skipped: ${tool.reason}`);
});

const matches = (sel: Record<string, string>, labels: Record<string, string> | undefined) => Object.keys(sel).length > 0 && Object.entries(sel).every(([k, v]) => labels?.[k] === v);

describe('agent metrics Service and ServiceMonitor', () => {
  it.each([
    { name: 'hardware', objs: () => hardware, ports: ['metrics'] },
    { name: 'model', objs: () => model, ports: ['metrics', 'model-metrics'] },
  ])('$name: the ServiceMonitor scrapes every metrics port of the agent pods with honorLabels', ({ objs, ports }) => {
    const ds = one(objs(), 'DaemonSet');
    const svc = one(objs(), 'Service', `${RELEASE}-agent-metrics`);
    expect(matches(svc.spec.selector, ds.spec.template.metadata.labels)).toBe(true);
    const containerPorts = ds.spec.template.spec.containers.flatMap((c: K8sObject) => (c.ports ?? []).map((p: K8sObject) => p.name));
    expect(svc.spec.ports.map((p: K8sObject) => p.targetPort)).toEqual(ports);
    for (const p of ports) expect(containerPorts).toContain(p);
    const sm = one(objs(), 'ServiceMonitor', `${RELEASE}-agent`);
    expect(sm.metadata.namespace).toBe(svc.metadata.namespace);
    expect(sm.spec.namespaceSelector.matchNames).toEqual([svc.metadata.namespace]);
    expect(matches(sm.spec.selector.matchLabels, svc.metadata.labels)).toBe(true);
    // The ServiceMonitor must not also select the webhook Service.
    for (const other of all(objs(), 'Service').filter((s) => s !== svc)) expect(matches(sm.spec.selector.matchLabels, other.metadata.labels)).toBe(false);
    expect(sm.spec.endpoints.map((e: K8sObject) => e.port)).toEqual(svc.spec.ports.map((p: K8sObject) => p.name));
    for (const e of sm.spec.endpoints) expect({ port: e.port, honorLabels: e.honorLabels }).toEqual({ port: e.port, honorLabels: true });
  });

  it('the webhook ServiceMonitor scrapes exactly the webhook Service\'s metrics port, with honorLabels', () => {
    const sm = one(hardware, 'ServiceMonitor', `${RELEASE}-webhook`);
    const selected = all(hardware, 'Service').filter((s) => s.metadata.namespace === sm.metadata.namespace && matches(sm.spec.selector.matchLabels, s.metadata.labels));
    expect(selected.map((s) => s.metadata.name)).toEqual([`${RELEASE}-webhook`]);
    expect(sm.spec.namespaceSelector.matchNames).toEqual([selected[0].metadata.namespace]);
    expect(matches(selected[0].spec.selector, one(hardware, 'Deployment').spec.template.metadata.labels)).toBe(true);
    expect(sm.spec.endpoints.map((e: K8sObject) => ({ port: e.port, honorLabels: e.honorLabels }))).toEqual([{ port: 'metrics', honorLabels: true }]);
    expect(selected[0].spec.ports.map((p: K8sObject) => p.name)).toContain('metrics');
  });

  it('off by default: no ServiceMonitor, the metrics Service still there', () => {
    expect(all(off, 'ServiceMonitor')).toEqual([]);
    expect(one(off, 'Service', `${RELEASE}-agent-metrics`).spec.clusterIP).toBe('None');
  });
});

/** The rule groups of the rendered PrometheusRule, as a Prometheus rule file. */
const ruleFile = (objs: K8sObject[]) => ({ groups: structuredClone(one(objs, 'PrometheusRule').spec.groups) });
/** Every alerting rule of the rendered PrometheusRule. */
const alertRules = (objs: K8sObject[]): Array<{ alert: string; expr: string; for?: string }> => one(objs, 'PrometheusRule').spec.groups.flatMap((g: K8sObject) => g.rules);
/** The chart's alerts (the README's Alerts section lists the same). */
const ALERTS = ['SgxEpcPodAtLimit', 'SgxEpcPodLimitEvents', 'SgxEpcStartsRefused', 'SgxEpcNodeNotEnforced', 'SgxEpcAgentDown', 'SgxEpcAgentMissing', 'SgxEpcWebhookDown', 'SgxEpcWebhookErrors', 'SgxEpcNodePressure'];

/** The dashboard's queries, with Grafana's variables as Grafana substitutes them ($namespace: a regex of the chosen namespaces). */
function dashboardExprs(objs: K8sObject[]): string[] {
  const cm = one(objs, 'ConfigMap', `${RELEASE}-dashboard`);
  const dash = JSON.parse(cm.data['sgx-epc-enforcer.json']) as { panels: Array<{ targets?: Array<{ expr: string }> }> };
  return dash.panels.flatMap((p) => (p.targets ?? []).map((t) => t.expr.replaceAll('$__rate_interval', '5m').replaceAll('$__interval', '1m').replace(/\$\{?namespace(:[a-z]+)?\}?/g, 'tenant-a|tenant-b')));
}

const AGENT = { job: 'sgx-epc-enforcer-agent-metrics', instance: '10.0.0.7:9102', node: 'aks-sgx-0' };
/** Labels of a per-pod series as stored with honorLabels: the agent's namespace/pod kept. */
const podSeries = (ns: string, pod: string) => ({ ...AGENT, namespace: ns, pod });
const sel = (metric: string, labels: Record<string, string>) => `${metric}{${Object.entries(labels).map(([k, v]) => `${k}="${v}"`).join(',')}}`;

describe('alerts and dashboard with the real promtool', () => {
  it('promtool check rules accepts the rules of the rendered PrometheusRule', async (ctx) => {
    if (!tool.path) return ctx.skip();
    const r = await promtool(tool.path, ['check', 'rules', 'rules.yaml'], { 'rules.yaml': ruleFile(hardware) });
    expect(alertRules(hardware).map((a) => a.alert)).toEqual(ALERTS);
    expect(r.output).toMatch(new RegExp(`SUCCESS: ${ALERTS.length} rules found`));
    expect(r.ok).toBe(true);
  });

  it('promtool check rules rejects a broken expression (the check can fail)', async (ctx) => {
    if (!tool.path) return ctx.skip();
    const broken = ruleFile(hardware);
    broken.groups[0].rules[0].expr = 'max by (namespace, pod) (epc_pod_current_bytes /)';
    const r = await promtool(tool.path, ['check', 'rules', 'rules.yaml'], { 'rules.yaml': broken });
    expect(r.ok).toBe(false);
  });

  it('promtool test rules: each alert fires on its series, and only there', async (ctx) => {
    if (!tool.path) return ctx.skip();
    const hot = podSeries('tenant-a', 'enclave-hot');
    const calm = podSeries('tenant-a', 'enclave-calm');
    const agentPod = { ...AGENT, namespace: 'sgx-epc-system', pod: 'sgx-epc-enforcer-agent-x1' };
    const tests = {
      rule_files: ['rules.yaml'],
      evaluation_interval: '1m',
      tests: [
        {
          interval: '1m',
          input_series: [
            // At its 8Mi limit and paged: alerts. Next to it a pod at half its limit, also paged: no alert.
            { series: sel('epc_pod_current_bytes', hot), values: '8388608x40' },
            { series: sel('epc_pod_limit_bytes', hot), values: '8388608x40' },
            { series: sel('epc_pod_evicted_pages_total', hot), values: '0+50x40' },
            { series: sel('epc_pod_limit_events_total', hot), values: '0+3x40' },
            { series: sel('epc_pod_current_bytes', calm), values: '4194304x40' },
            { series: sel('epc_pod_limit_bytes', calm), values: '8388608x40' },
            { series: sel('epc_pod_evicted_pages_total', calm), values: '0+50x40' },
            { series: sel('epc_pod_limit_events_total', calm), values: '0x40' },
            // Refused starts counted by one agent; the ok results of another agent do not alert.
            { series: sel('epc_enforcement_duration_seconds_count', { ...agentPod, result: 'error' }), values: '0 0 0 0 0 1 2 3 4 5 6 7 8 9 10 10 10 10 10 10 10 10 10 10 10 10 10 10 10 10 10 10 10 10 10 10 10 10 10 10' },
            { series: sel('epc_enforcement_duration_seconds_count', { ...agentPod, pod: 'sgx-epc-enforcer-agent-y2', result: 'ok' }), values: '0+5x40' },
          ],
          alert_rule_test: [
            {
              eval_time: '30m',
              alertname: 'SgxEpcPodAtLimit',
              exp_alerts: [
                {
                  exp_labels: { namespace: 'tenant-a', pod: 'enclave-hot', severity: 'warning' },
                  exp_annotations: {
                    summary: 'Pod tenant-a/enclave-hot is at its SGX EPC limit and paging',
                    description: 'The pod uses 100% of its EPC limit and its enclave pages are being evicted. Raise its sgx.intel.com/epc request or shrink its enclave working set.',
                  },
                },
              ],
            },
            // `for: 10m`: pending, not firing, 5 minutes in.
            { eval_time: '5m', alertname: 'SgxEpcPodAtLimit', exp_alerts: [] },
            {
              eval_time: '30m',
              alertname: 'SgxEpcPodLimitEvents',
              exp_alerts: [
                {
                  exp_labels: { namespace: 'tenant-a', pod: 'enclave-hot', severity: 'warning' },
                  exp_annotations: { summary: 'Pod tenant-a/enclave-hot keeps hitting its SGX EPC limit', description: 'epc_pod_limit_events_total increased by 45 in 15 minutes.' },
                },
              ],
            },
            {
              eval_time: '12m',
              alertname: 'SgxEpcStartsRefused',
              exp_alerts: [
                {
                  exp_labels: { namespace: 'sgx-epc-system', pod: 'sgx-epc-enforcer-agent-x1', severity: 'warning' },
                  exp_annotations: {
                    summary: 'epc agent sgx-epc-system/sgx-epc-enforcer-agent-x1 refused container starts',
                    description: "The agent failed 8 PreStartContainer calls closed in 10 minutes (pod not resolvable in time, or no usable EPC controller while enforcing). Its log line 'PreStartContainer refused' names the pod and the cause.",
                  },
                },
              ],
            },
            // Refusals stopped at minute 14: resolved 10 minutes later.
            { eval_time: '35m', alertname: 'SgxEpcStartsRefused', exp_alerts: [] },
          ],
        },
      ],
    };
    const r = await promtool(tool.path, ['test', 'rules', 'tests.yaml'], { 'rules.yaml': ruleFile(hardware), 'tests.yaml': tests });
    expect(r.output, r.output).toMatch(/SUCCESS/);
    expect(r.ok).toBe(true);
  });

  it('every dashboard query parses (promtool check rules on them as recording rules)', async (ctx) => {
    if (!tool.path) return ctx.skip();
    const exprs = dashboardExprs(hardware);
    expect(exprs.length).toBeGreaterThan(5);
    const rules = { groups: [{ name: 'dashboard', rules: exprs.map((expr, i) => ({ record: `dashboard:query_${i}`, expr })) }] };
    const r = await promtool(tool.path, ['check', 'rules', 'dashboard.yaml'], { 'dashboard.yaml': rules });
    expect(r.output, r.output).toMatch(new RegExp(`SUCCESS: ${exprs.length} rules found`));
    expect(r.ok).toBe(true);
  });
});

/** Labels of a node-level agent series: the ServiceMonitor's target labels (job = Service name, endpoint = port) and the relabeled node. */
const target = (node: string, extra: Record<string, string> = {}) => ({
  job: `${RELEASE}-agent-metrics`, service: `${RELEASE}-agent-metrics`, endpoint: 'metrics', instance: `10.0.0.${node.length}:9102`, namespace: 'sgx-epc-system', pod: `${RELEASE}-agent-${node}`, container: 'agent', node, ...extra,
});
/** Labels of a mode-model controller series: scraped through the agent Service's model-metrics port. */
const controllerOn = (node: string) => target(node, { endpoint: 'model-metrics', container: 'controller' });
/** kube-state-metrics' allocatable series of a node (extended resources: sanitized name, unit integer). */
const ksm = (node: string, resource: string) => ({ job: 'kube-state-metrics', node, resource, unit: resource === 'cpu' ? 'core' : 'integer' });

describe('node alerts with the real promtool', () => {
  it('NodeNotEnforced, AgentDown, AgentMissing and NodePressure fire on their nodes, and only there', async (ctx) => {
    if (!tool.path) return ctx.skip();
    const Mi = 1024 * 1024;
    const tenant = (node: string, pod: string) => ({ ...target(node), namespace: 'tenant-a', pod });
    const input_series = [
      // sgx-0: enforcing, up, 62Mi of 64Mi used by its pods -> NodePressure only.
      { series: sel('epc_node_enforced', { ...target('sgx-0'), reason: 'EpcControllerPresent' }), values: '1x40' },
      { series: sel('up', target('sgx-0')), values: '1x40' },
      { series: sel('epc_node_capacity_bytes', target('sgx-0')), values: `${64 * Mi}x40` },
      { series: sel('epc_pod_current_bytes', tenant('sgx-0', 'big')), values: `${40 * Mi}x40` },
      { series: sel('epc_pod_current_bytes', tenant('sgx-0', 'small')), values: `${22 * Mi}x40` },
      { series: sel('kube_node_status_allocatable', ksm('sgx-0', 'sgx_intel_com_epc')), values: `${64 * Mi}x40` },
      // sgx-1: no EPC controller (stock AKS kernel), and its agent stops answering at minute 10.
      { series: sel('epc_node_enforced', { ...target('sgx-1'), reason: 'NoEpcController' }), values: '0x40' },
      { series: sel('up', target('sgx-1')), values: '1x10 0x30' },
      { series: sel('epc_node_capacity_bytes', target('sgx-1')), values: `${64 * Mi}x40` },
      { series: sel('epc_pod_current_bytes', tenant('sgx-1', 'quiet')), values: `${10 * Mi}x40` },
      { series: sel('kube_node_status_allocatable', ksm('sgx-1', 'sgx_intel_com_epc')), values: `${64 * Mi}x40` },
      // sgx-2: offers EPC but no agent runs there -> AgentMissing.
      { series: sel('kube_node_status_allocatable', ksm('sgx-2', 'sgx_intel_com_epc')), values: `${64 * Mi}x40` },
      // sgx-3: observe-only by choice (--enforce=false): not alerted.
      { series: sel('epc_node_enforced', { ...target('sgx-3'), reason: 'EnforcementDisabled' }), values: '0x40' },
      { series: sel('up', target('sgx-3')), values: '1x40' },
      { series: sel('kube_node_status_allocatable', ksm('sgx-3', 'sgx_intel_com_epc')), values: `${64 * Mi}x40` },
      // cpu-0: no EPC: no agent expected.
      { series: sel('kube_node_status_allocatable', ksm('cpu-0', 'cpu')), values: '8x40' },
      // kind-0 (model): free EPC at 2Mi of 64Mi and the controller reclaiming -> NodePressure; kind-1 as full but not reclaiming: no alert.
      { series: sel('epc_node_capacity_bytes', controllerOn('kind-0')), values: `${64 * Mi}x40` },
      { series: sel('epc_node_free_bytes', controllerOn('kind-0')), values: `${2 * Mi}x40` },
      { series: sel('epc_evicted_pages_total', controllerOn('kind-0')), values: '0+100x40' },
      { series: sel('epc_node_capacity_bytes', controllerOn('kind-1')), values: `${64 * Mi}x40` },
      { series: sel('epc_node_free_bytes', controllerOn('kind-1')), values: `${2 * Mi}x40` },
      { series: sel('epc_evicted_pages_total', controllerOn('kind-1')), values: '500x40' },
    ];
    const down = target('sgx-1');
    const tests = {
      rule_files: ['rules.yaml'],
      evaluation_interval: '1m',
      tests: [{
        interval: '1m',
        input_series,
        alert_rule_test: [
          {
            eval_time: '30m', alertname: 'SgxEpcNodeNotEnforced',
            exp_alerts: [{
              exp_labels: { node: 'sgx-1', reason: 'NoEpcController', severity: 'warning' },
              exp_annotations: {
                summary: 'Node sgx-1 does not hold SGX pods to their EPC request',
                description: 'The agent on sgx-1 found no EPC controller (kernel without the sgx_epc misc cgroup): under --enforce=auto EPC pods start there without limits, under --enforce=true their starts are refused. Node condition SgxEpcEnforced says why; `epc doctor` on the node checks its kernel.',
              },
            }],
          },
          // for: 15m
          { eval_time: '10m', alertname: 'SgxEpcNodeNotEnforced', exp_alerts: [] },
          {
            eval_time: '30m', alertname: 'SgxEpcAgentDown',
            exp_alerts: [{
              exp_labels: { ...down, severity: 'warning' },
              exp_annotations: {
                summary: 'epc agent on sgx-1 is not answering scrapes (metrics)',
                description: `Prometheus cannot scrape ${down.instance} (pod sgx-epc-system/${down.pod}) for 5 minutes. While it is down, no new EPC pod starts on sgx-1 (the agent is the device plugin of sgx.intel.com/enclave) and nothing there is measured. Its logs: kubectl -n sgx-epc-system logs ${down.pod}.`,
              },
            }],
          },
          // Down since minute 11, for: 5m.
          { eval_time: '14m', alertname: 'SgxEpcAgentDown', exp_alerts: [] },
          {
            eval_time: '30m', alertname: 'SgxEpcAgentMissing',
            exp_alerts: [{
              exp_labels: { node: 'sgx-2', severity: 'warning' },
              exp_annotations: {
                summary: 'SGX node sgx-2 has no epc agent',
                description: "sgx-2 offers sgx.intel.com/epc but no agent target runs there: its EPC pods are neither limited nor measured. Check the agent DaemonSet's node selection (agent.nodeSelector, aks.instanceTypes, NFD's cpu-sgx label) and its tolerations.",
              },
            }],
          },
          {
            eval_time: '30m', alertname: 'SgxEpcNodePressure',
            exp_alerts: ['sgx-0', 'kind-0'].map((node) => ({
              exp_labels: { node, severity: 'warning' },
              exp_annotations: {
                summary: `SGX node ${node} is running out of EPC`,
                description: "96.88% of the node's EPC is in use (by its EPC pods, or with pages being reclaimed): new enclaves there page against each other. Spread EPC pods over more nodes, or lower the sum of their sgx.intel.com/epc requests per node.",
              },
            })),
          },
        ],
      }],
    };
    const r = await promtool(tool.path, ['test', 'rules', 'tests.yaml'], { 'rules.yaml': ruleFile(hardware), 'tests.yaml': tests });
    expect(r.output, r.output).toMatch(/SUCCESS/);
    expect(r.ok).toBe(true);
  });
});

describe('webhook alerts with the real promtool', () => {
  it('SgxEpcWebhookDown fires when every replica is down (not one), SgxEpcWebhookErrors on internal errors only', async (ctx) => {
    if (!tool.path) return ctx.skip();
    const job = `${RELEASE}-webhook`;
    // Target labels as scraped with honorLabels: the metric's own `endpoint` (mutate, validate) kept; `up` has the port.
    const replica = (pod: string) => ({ job, service: job, namespace: 'sgx-epc-webhook', pod, instance: `10.0.1.${pod.length}:9090`, container: 'webhook' });
    const up = (pod: string) => ({ ...replica(pod), endpoint: 'metrics' });
    const tests = {
      rule_files: ['rules.yaml'],
      evaluation_interval: '1m',
      tests: [
        {
          interval: '1m',
          input_series: [
            { series: sel('up', up('webhook-a')), values: '1x5 0x20' },
            { series: sel('up', up('webhook-b')), values: '1x5 0x20' },
            { series: sel('epc_webhook_decisions_total', { ...replica('webhook-a'), endpoint: 'mutate', rule: 'internal-error', result: 'error' }), values: '0 0 0 1 2 2 2 2 2 2 2 2 2 2 2 2 2 2 2 2 2 2 2 2 2' },
            { series: sel('epc_webhook_decisions_total', { ...replica('webhook-a'), endpoint: 'validate', rule: 'epc', result: 'denied' }), values: '0+3x25' },
            { series: sel('epc_webhook_decisions_total', { ...replica('webhook-b'), endpoint: 'mutate', rule: 'epc', result: 'patched' }), values: '0+10x25' },
          ],
          alert_rule_test: [
            { eval_time: '5m', alertname: 'SgxEpcWebhookDown', exp_alerts: [] },
            {
              eval_time: '10m', alertname: 'SgxEpcWebhookDown',
              exp_alerts: [{
                exp_labels: { job, severity: 'warning' },
                exp_annotations: {
                  summary: 'No sgx-epc-enforcer webhook replica answers',
                  description: `Every webhook target of ${job} has been down for 2 minutes. With failurePolicy Fail the API server refuses the pod creations the webhook configurations send it (SGX pods) until one is back. kubectl -n sgx-epc-webhook get pods; its logs and events say why.`,
                },
              }],
            },
            {
              eval_time: '10m', alertname: 'SgxEpcWebhookErrors',
              exp_alerts: [{
                exp_labels: { endpoint: 'mutate', severity: 'warning' },
                exp_annotations: {
                  summary: 'The sgx-epc-enforcer webhook failed admission requests',
                  description: '2 admission requests ended in an internal error in 10 minutes; each refused the pod it reviewed (allowed: false, code 500). The webhook\'s log names the request and the error.',
                },
              }],
            },
            // The errors were at minutes 3-4: gone from the 10-minute window by minute 20.
            { eval_time: '20m', alertname: 'SgxEpcWebhookErrors', exp_alerts: [] },
          ],
        },
        {
          // One replica down, the other serving: no alert (the PodDisruptionBudget's case).
          interval: '1m',
          input_series: [
            { series: sel('up', up('webhook-a')), values: '0x20' },
            { series: sel('up', up('webhook-b')), values: '1x20' },
          ],
          alert_rule_test: [{ eval_time: '15m', alertname: 'SgxEpcWebhookDown', exp_alerts: [] }],
        },
      ],
    };
    const r = await promtool(tool.path, ['test', 'rules', 'tests.yaml'], { 'rules.yaml': ruleFile(hardware), 'tests.yaml': tests });
    expect(r.output, r.output).toMatch(/SUCCESS/);
    expect(r.ok).toBe(true);
  });
});

/** Every metric the agent, the model's controller and the webhook register. */
function registries(): Registry[] {
  const controller = new ControllerMetrics(() => {
    throw new Error('not scraped in this test');
  });
  return [new AgentMetrics().registry, controller.registry, new WebhookMetrics().registry];
}
/** Series the rules use that this project does not export, and who does. */
const EXTERNAL: Record<string, string> = { up: 'Prometheus, per scrape target', kube_node_status_allocatable: 'kube-state-metrics' };
/** Labels prometheus-operator gives every target of a ServiceMonitor endpoint (besides relabelings). */
const TARGET_LABELS = ['job', 'instance', 'namespace', 'pod', 'service', 'endpoint', 'container'];
/** kube-state-metrics' labels of kube_node_status_allocatable. */
const KSM_LABELS = ['node', 'resource', 'unit'];

describe('rules and dashboard name only what is scraped', () => {
  it('the PromQL reader finds metrics, grouping labels and matchers (and skips functions, strings, ranges, numbers)', () => {
    const r = promqlRefs('sum by (node) (rate(epc_evicted_pages_total{job="a-b", endpoint=~"m.*"}[5m])) / on (node) max by (node) (epc_node_capacity_bytes > 1e3) or up == 0');
    expect(r).toEqual({
      metrics: ['epc_evicted_pages_total', 'epc_node_capacity_bytes', 'up'],
      grouping: ['node'],
      matchers: [{ metric: 'epc_evicted_pages_total', label: 'job', op: '=', value: 'a-b' }, { metric: 'epc_evicted_pages_total', label: 'endpoint', op: '=~', value: 'm.*' }],
    });
  });

  it('every metric of the rules and the dashboard is registered by the agent, the controller or the webhook (histograms as _bucket/_sum/_count)', () => {
    const known = new Set(registries().flatMap((r) => r.getMetricsAsArray().flatMap((m) => exposedNames(m as unknown as { name: string; type: string }))));
    const used = [...alertRules(hardware).map((a) => a.expr), ...dashboardExprs(hardware)].flatMap((e) => promqlRefs(e).metrics);
    expect(used.length).toBeGreaterThan(10);
    expect([...new Set(used)].filter((m) => !known.has(m) && !(m in EXTERNAL))).toEqual([]);
    // And the external ones are exactly those documented.
    expect([...new Set(used.filter((m) => !known.has(m)))].sort()).toEqual(Object.keys(EXTERNAL).sort());
  });

  it.each([
    { name: 'hardware', objs: () => hardware },
    { name: 'model', objs: () => model },
  ])('$name: job, endpoint and grouping labels in the rules are those the rendered ServiceMonitors give their targets', ({ objs }) => {
    const monitors = all(objs(), 'ServiceMonitor').map((sm) => {
      const svc = all(objs(), 'Service').filter((s) => s.metadata.namespace === sm.metadata.namespace && matches(sm.spec.selector.matchLabels, s.metadata.labels));
      expect(svc.length, `the Service ServiceMonitor ${sm.metadata.name} selects`).toBe(1);
      // prometheus-operator names the job after the Service unless spec.jobLabel says otherwise.
      expect(sm.spec.jobLabel).toBeUndefined();
      return { sm, job: svc[0].metadata.name as string, ports: sm.spec.endpoints.map((e: K8sObject) => e.port) as string[] };
    });
    const agent = monitors.find((m) => m.sm.metadata.name === `${RELEASE}-agent`)!;
    // `node` (the rules group node alerts by it) comes from each agent endpoint's relabeling of the pod's node name.
    for (const e of agent.sm.spec.endpoints) expect(e.relabelings).toContainEqual({ sourceLabels: ['__meta_kubernetes_pod_node_name'], targetLabel: 'node' });
    const relabeled = new Set<string>(monitors.flatMap((m) => m.sm.spec.endpoints.flatMap((e: K8sObject) => (e.relabelings ?? []).map((r: K8sObject) => r.targetLabel))));
    const metricLabels = new Set(registries().flatMap((r) => r.getMetricsAsArray().flatMap((m) => (m as unknown as { labelNames: string[] }).labelNames)));
    const allowed = new Set([...metricLabels, ...TARGET_LABELS, ...relabeled, ...KSM_LABELS, 'le']);
    const refs = alertRules(objs()).map((a) => ({ alert: a.alert, ...promqlRefs(a.expr) }));
    const jobs = refs.flatMap((r) => r.matchers.filter((m) => m.label === 'job').map((m) => m.value));
    expect([...new Set(jobs)].sort()).toEqual(monitors.map((m) => m.job).sort());
    // An endpoint matcher names a port of the ServiceMonitor whose job the same selector names.
    for (const r of refs) {
      for (const m of r.matchers.filter((x) => x.label === 'endpoint')) {
        const job = r.matchers.find((x) => x.label === 'job' && x.metric === m.metric)?.value;
        expect({ alert: r.alert, port: m.value, ok: monitors.some((mon) => mon.job === job && mon.ports.includes(m.value)) }).toEqual({ alert: r.alert, port: m.value, ok: true });
      }
    }
    expect(refs.flatMap((r) => r.grouping.filter((l) => !allowed.has(l)).map((l) => `${r.alert}: ${l}`))).toEqual([]);
    expect(refs.some((r) => r.grouping.includes('node'))).toBe(true);
  });

  it.each([
    { name: 'hardware', objs: () => hardware },
    { name: 'model', objs: () => model },
  ])('$name: every scrape of a registry whose metrics carry a target label (namespace, pod, endpoint, ...) keeps them (honorLabels)', ({ objs }) => {
    const controller = new ControllerMetrics(() => {
      throw new Error('not scraped in this test');
    });
    const scraped = [
      { monitor: `${RELEASE}-agent`, port: 'metrics', registry: new AgentMetrics().registry },
      { monitor: `${RELEASE}-agent`, port: 'model-metrics', registry: controller.registry },
      { monitor: `${RELEASE}-webhook`, port: 'metrics', registry: new WebhookMetrics().registry },
    ];
    let checked = 0;
    for (const { monitor, port, registry } of scraped) {
      const e = one(objs(), 'ServiceMonitor', monitor).spec.endpoints.find((x: K8sObject) => x.port === port);
      if (!e) continue; // model-metrics outside mode model
      const clashing = registry.getMetricsAsArray().flatMap((m) => (m as unknown as { labelNames: string[] }).labelNames.filter((l) => TARGET_LABELS.includes(l)).map((l) => `${m.name}{${l}}`));
      if (clashing.length > 0) {
        checked++;
        expect({ monitor, port, clashing, honorLabels: e.honorLabels }).toEqual({ monitor, port, clashing, honorLabels: true });
      }
    }
    expect(checked).toBe(2); // the agent's namespace/pod and the webhook's endpoint
  });
});

describe('label values the rules match are ones the code writes', () => {
  it('epc_node_enforced{reason=...}: a reason nodeEnforcement() gives, and one that means "no limits"', () => {
    const outcomes = ENFORCE_MODES.flatMap((mode) => [USABLE, { usable: false as const, reason: 'no sgx_epc' }].map((state) => nodeEnforcement(mode, state)));
    const reasons = new Set(outcomes.map((o) => o.reason));
    const matched = alertRules(hardware).flatMap((a) => promqlRefs(a.expr).matchers.filter((m) => m.metric === 'epc_node_enforced' && m.label === 'reason'));
    expect(matched.length).toBeGreaterThan(0);
    for (const m of matched) {
      expect(reasons).toContain(m.value);
      expect(outcomes.filter((o) => o.reason === m.value).every((o) => !o.enforced)).toBe(true);
    }
  });
});

describe('README Alerts section', () => {
  it('lists exactly the alerts of the rendered PrometheusRule', async () => {
    const readme = await readFile(join(packageRoot(), 'README.md'), 'utf8');
    const table = tables(section(readme, '### Alerts'))[0];
    expect(table?.header[0]).toBe('alert');
    expect(table.rows.map((r) => codeSpans(r[0])[0])).toEqual(alertRules(hardware).map((a) => a.alert));
  });
});
