/**
 * Monitoring that works (issue 15): the agent metrics Service and the optional ServiceMonitor
 * (honorLabels) as rendered by the real helm, and the chart's alerts and dashboard checked by the
 * real promtool: `check rules` on the rules extracted from the rendered PrometheusRule, and
 * `test rules` with input series (as scraped with honorLabels: the agent's namespace/pod labels
 * kept) for every alert, each with a series that must not fire next to it.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { findPromtool, promtool } from './promtool.js';
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
    const sm = one(objs(), 'ServiceMonitor');
    expect(sm.metadata.namespace).toBe(svc.metadata.namespace);
    expect(sm.spec.namespaceSelector.matchNames).toEqual([svc.metadata.namespace]);
    expect(matches(sm.spec.selector.matchLabels, svc.metadata.labels)).toBe(true);
    // The ServiceMonitor must not also select the webhook Service.
    for (const other of all(objs(), 'Service').filter((s) => s !== svc)) expect(matches(sm.spec.selector.matchLabels, other.metadata.labels)).toBe(false);
    expect(sm.spec.endpoints.map((e: K8sObject) => e.port)).toEqual(svc.spec.ports.map((p: K8sObject) => p.name));
    for (const e of sm.spec.endpoints) expect({ port: e.port, honorLabels: e.honorLabels }).toEqual({ port: e.port, honorLabels: true });
  });

  it('off by default: no ServiceMonitor, the metrics Service still there', () => {
    expect(all(off, 'ServiceMonitor')).toEqual([]);
    expect(one(off, 'Service', `${RELEASE}-agent-metrics`).spec.clusterIP).toBe('None');
  });
});

/** The rule groups of the rendered PrometheusRule, as a Prometheus rule file. */
const ruleFile = (objs: K8sObject[]) => ({ groups: structuredClone(one(objs, 'PrometheusRule').spec.groups) });

const AGENT = { job: 'sgx-epc-enforcer-agent-metrics', instance: '10.0.0.7:9102', node: 'aks-sgx-0' };
/** Labels of a per-pod series as stored with honorLabels: the agent's namespace/pod kept. */
const podSeries = (ns: string, pod: string) => ({ ...AGENT, namespace: ns, pod });
const sel = (metric: string, labels: Record<string, string>) => `${metric}{${Object.entries(labels).map(([k, v]) => `${k}="${v}"`).join(',')}}`;

describe('alerts and dashboard with the real promtool', () => {
  it('promtool check rules accepts the rules of the rendered PrometheusRule', async (ctx) => {
    if (!tool.path) return ctx.skip();
    const r = await promtool(tool.path, ['check', 'rules', 'rules.yaml'], { 'rules.yaml': ruleFile(hardware) });
    expect(r.output).toMatch(/SUCCESS: 3 rules found/);
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
    const cm = one(hardware, 'ConfigMap', `${RELEASE}-dashboard`);
    const dash = JSON.parse(cm.data['sgx-epc-enforcer.json']) as { panels: Array<{ targets?: Array<{ expr: string }> }> };
    // Grafana's variables, as Grafana substitutes them ($namespace: a regex of the chosen namespaces).
    const exprs = dash.panels.flatMap((p) => (p.targets ?? []).map((t) => t.expr.replaceAll('$__rate_interval', '5m').replaceAll('$__interval', '1m').replace(/\$\{?namespace(:[a-z]+)?\}?/g, 'tenant-a|tenant-b')));
    expect(exprs.length).toBeGreaterThan(5);
    const rules = { groups: [{ name: 'dashboard', rules: exprs.map((expr, i) => ({ record: `dashboard:query_${i}`, expr })) }] };
    const r = await promtool(tool.path, ['check', 'rules', 'dashboard.yaml'], { 'dashboard.yaml': rules });
    expect(r.output, r.output).toMatch(new RegExp(`SUCCESS: ${exprs.length} rules found`));
    expect(r.ok).toBe(true);
  });
});
