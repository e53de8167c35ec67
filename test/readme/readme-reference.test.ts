/**
 * README.md's reference parts against the code, so they cannot drift: the configuration tables
 * against the commander definitions of every `epc` subcommand, the metric tables against the
 * metric registries, the chart values table against values.yaml, and the quoted messages, rules,
 * examples and layout against what src/ really says and holds. (Its commands: readme.test.ts.)
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { AgentMetrics } from '../../src/agent/agent-metrics.js';
import { chartValueLeaves } from '../deploy/chart-values.js';
import { ControllerMetrics } from '../../src/controller/controller-metrics.js';
import { PRODUCT_LAYERS } from '../architecture/layer-graph.js';
import { formatDemoTable } from '../../src/testbed/demo/format-table.js';
import { DEFAULT_COSTS } from '../../src/epc/cost-model.js';
import { packageRoot } from '../../src/util/package-root.js';
import { defaultWebhookConfig, handleAdmission, parseWebhookConfigFile } from '../../src/webhook/index.js';
import { WebhookMetrics } from '../../src/webhook/webhook-metrics.js';
import { registerOfferMetrics } from '../../src/webhook/node-offer-watch.js';
import { ALWAYS_OFFERED } from '../../src/webhook/node-offers.js';
import { sampleResult } from '../testbed/demo/sample-result.js';
import { declaredOptions, denyRules, FACTORIES, sourceMetricNames, sourceText } from './code-facts.js';
import { codeSpans, fencedBlocks, section, tableAfter, tables } from './markdown.js';

const ROOT = packageRoot();
const README = readFileSync(join(ROOT, 'README.md'), 'utf8');
const BLOCKS = fencedBlocks(README);

/** The agent's cluster-mode flags as agreed (issue 4 interface + the agent work's brief). */
const AGREED_AGENT_FLAGS = [
  '--kubeconfig', '--node-name', '--device-plugin-dir', '--pod-resources-socket', '--controller-socket-dir', '--epc-backend', '--cgroup-root',
  '--cgroup-driver', '--metrics-addr', '--advertise', '--enforce', '--prestart-timeout', '--reconcile-interval',
];

/** The agent's metrics as agreed (issue 4). */
const AGREED_AGENT_METRICS = [
  'epc_pod_limit_bytes', 'epc_pod_current_bytes', 'epc_pod_peak_bytes', 'epc_pod_limit_events_total', 'epc_pod_evicted_pages_total',
  'epc_pod_reloaded_pages_total', 'epc_node_capacity_bytes', 'epc_node_free_bytes', 'epc_enforcement_duration_seconds',
];

/** README vs `epc agent`: no drift either way. */
function agentProblem(problems: string[], what: string): void {
  expect(problems, what).toEqual([]);
}

const CONFIG = section(README, '## Configuration reference');

/** The flag table of `### \`epc NAME\`` as rows of {flag, default cell}. */
function flagTable(name: string): Array<{ flag: string; def: string }> {
  const t = tables(section(CONFIG, `### \`epc ${name}\``))[0];
  expect(t?.header.slice(0, 2), `README: the first table under "epc ${name}" is its flag table`).toEqual(['flag', 'default']);
  return t.rows.map((r) => ({ flag: codeSpans(r[0])[0]?.split(' ')[0] ?? r[0], def: r[1] }));
}

describe('README configuration reference = the commander definitions', () => {
  for (const [name, make] of Object.entries(FACTORIES)) {
    it(`epc ${name}: every declared flag, only declared flags, and their defaults`, () => {
      const rows = flagTable(name);
      const documented = rows.map((r) => r.flag);
      const declared = declaredOptions(make);
      expect([...declared.keys()].filter((f) => !documented.includes(f)), `flags of epc ${name} missing from the README table`).toEqual([]);
      const undeclared = documented.filter((f) => !declared.has(f));
      const wrongDefaults = rows.flatMap(({ flag, def }) => {
        const o = declared.get(flag);
        if (!o) return [];
        if (o.mandatory) return def.includes('required') ? [] : [`${flag}: README default ${def}, but the flag is required`];
        if (o.defaultValue === undefined || o.negate) return [];
        return codeSpans(def)[0] === String(o.defaultValue) ? [] : [`${flag}: README default ${def}, code ${JSON.stringify(o.defaultValue)}`];
      });
      if (name === 'agent') {
        agentProblem(undeclared, 'flags in the README that epc agent does not declare yet');
        agentProblem(wrongDefaults, 'agent defaults that differ');
        expect(AGREED_AGENT_FLAGS.filter((f) => !documented.includes(f)), 'agreed agent flags missing from the README').toEqual([]);
      } else {
        expect(undeclared, `README flags that epc ${name} does not declare`).toEqual([]);
        expect(wrongDefaults).toEqual([]);
      }
    });
  }
});

describe('README metrics = the registries', () => {
  const metrics = section(README, '## Metrics and health endpoints');
  const names = (marker: string) => tableAfter(metrics, marker).rows.map((r) => codeSpans(r[0])[0]);
  const registered = (r: Registry) => r.getMetricsAsArray().map((m) => m.name).sort();

  it('controller', () => {
    const reg = new ControllerMetrics(() => {
      throw new Error('not scraped in this test');
    }).registry;
    expect(names('**Controller**').sort()).toEqual(registered(reg));
  });

  it('webhook', () => {
    const reg = new WebhookMetrics().registry;
    registerOfferMetrics(reg, ALWAYS_OFFERED); // with --enclave-request auto (the default)
    expect(names('**Webhook**').sort()).toEqual(registered(reg));
  });

  it('agent', () => {
    const agent = names('**Agent**');
    expect(AGREED_AGENT_METRICS.filter((m) => !agent.includes(m)), 'agreed agent metrics missing from the README').toEqual([]);
    expect(agent.sort()).toEqual(registered(new AgentMetrics().registry));
  });

  it('every metric registered anywhere in src/ is in one of the tables', () => {
    const documented = new Set([...names('**Agent**'), ...names('**Controller**'), ...names('**Webhook**')]);
    expect([...sourceMetricNames()].filter((m) => !documented.has(m))).toEqual([]);
  });
});

describe('README chart values = values.yaml', () => {
  const values = parseYaml(readFileSync(join(ROOT, 'charts/sgx-epc-enforcer/values.yaml'), 'utf8')) as Record<string, unknown>;
  const at = (path: string): unknown => path.split('.').reduce<unknown>((v, k) => (v && typeof v === 'object' ? (v as Record<string, unknown>)[k] : undefined), values);
  // The same leaves the chart test demands be documented (test/deploy/chart.test.ts).
  const leaves = chartValueLeaves(values);
  /** Rows as [paths, defaults]; `.x` continues the previous path's parent. */
  const rows = tables(section(CONFIG, '### Helm chart values'))[0].rows.map((r) => {
    let parent = '';
    const paths = codeSpans(r[0]).map((p) => {
      const full = p.startsWith('.') ? parent + p : p;
      parent = full.slice(0, full.lastIndexOf('.'));
      return full;
    });
    return { paths, defaults: r[1].split(' / ').map((d) => (/^`[^`]*`$/.test(d.trim()) ? codeSpans(d)[0] : undefined)) };
  });

  it('documents every value and names only values that exist', () => {
    const named = rows.flatMap((r) => r.paths);
    expect(leaves.filter((l) => !named.includes(l))).toEqual([]);
    expect(named.filter((p) => at(p) === undefined)).toEqual([]);
  });

  it('states the defaults of values.yaml', () => {
    const wrong = rows.flatMap((r) =>
      r.paths.flatMap((p, i) => {
        const d = r.paths.length === r.defaults.length ? r.defaults[i] : undefined;
        if (d === undefined) return [];
        return JSON.stringify(parseYaml(d)) === JSON.stringify(at(p)) ? [] : [`${p}: README ${d}, values.yaml ${JSON.stringify(at(p))}`];
      }),
    );
    expect(wrong).toEqual([]);
    expect(rows.filter((r) => r.defaults.some((d) => d !== undefined)).length).toBeGreaterThan(20);
  });
});

describe('README messages = what the code says', () => {
  const trouble = section(README, '## Troubleshooting');

  it('webhook denial examples are the messages the webhook writes for the recorded fixtures', () => {
    for (const fixture of ['enclave-without-epc.json', 'hostpath-sgx-enclave.json', 'epc-mismatch.json']) {
      const review = JSON.parse(readFileSync(join(ROOT, 'test/webhook/fixtures', fixture), 'utf8'));
      const reply = handleAdmission('validate', review, defaultWebhookConfig()).body as { response: { allowed: boolean; status: { code: number; message: string } } };
      expect(reply.response.allowed).toBe(false);
      expect(reply.response.status.code).toBe(403);
      expect(trouble, fixture).toContain(reply.response.status.message);
    }
  });

  it('the rule table names exactly the webhook\'s denial rules', () => {
    const t = tables(trouble).find((x) => x.header[0] === 'rule');
    expect(t?.rows.map((r) => codeSpans(r[0])[0]).sort()).toEqual(denyRules().sort());
  });

  it('the demo table header is the one epc demo prints', () => {
    const shown = BLOCKS.find((b) => b.heading === 'Quick start' && b.lang === 'text')?.body.split('\n').find((l) => l.startsWith('run '))?.trim().split(/\s{2,}/);
    const printed = formatDemoTable(sampleResult()).split('\n').find((l) => l.startsWith('run '))?.trim().split(/\s{2,}/);
    expect(shown).toEqual(printed);
  });

  it('the project layout names every src/ folder, and only paths that exist', () => {
    const layout = tables(section(README, '## Project layout'))[0].rows.map((r) => codeSpans(r[0])[0]);
    const paths = layout.filter((p) => !p.includes('<'));
    expect(paths.filter((p) => !existsSync(join(ROOT, p)))).toEqual([]);
    const srcDirs = readdirSync(join(ROOT, 'src'), { withFileTypes: true }).filter((e) => e.isDirectory()).map((e) => `src/${e.name}`);
    expect(srcDirs.filter((d) => !layout.includes(d))).toEqual([]);
  });

  it('the project layout shows the layers the layer check enforces, in its order', () => {
    const rows = tables(section(README, '## Project layout'))[0].rows;
    const shown = rows.flatMap((r) => {
      const m = /^(\d+) /.exec(r[1] ?? '');
      return m ? [[Number(m[1]), codeSpans(r[0])[0].replace(/^src\//, '')] as const] : [];
    });
    expect(shown.map(([layer, dir]) => `${layer} ${dir}`).sort()).toEqual(PRODUCT_LAYERS.flatMap((l, i) => l.map((d) => `${i} ${d}`)).sort());
  });

  it('the webhook config example is valid for the real schema', () => {
    const example = fencedBlocks(section(CONFIG, '### `epc webhook`')).find((b) => b.lang === 'yaml');
    expect(example).toBeTruthy();
    expect(() => parseWebhookConfigFile(parseYaml(example!.body), 'README')).not.toThrow();
  });

  it('the cost defaults the README states are the model\'s', () => {
    expect(DEFAULT_COSTS).toEqual({ evictCycles: 40_000, reloadCycles: 40_000, einitCycles: 50_000, ghz: 3 });
    expect(README).toContain('eviction 40k, reload 40k, EINIT 50k cycles at 3 GHz');
  });

  it('output and log lines the README quotes exist in src/', () => {
    const src = sourceText();
    const QUOTED = [
      'enclave request always added', // the webhook's ready line
      'kernel has no sgx_epc misc cgroup (', 'and no epc controller socket (', // no EPC controller
      'EPC pods start without a cgroup binding: ', // readiness where the node is observe-only
      'SgxEpcEnforced', 'sgx-epc-enforcer.io/epc-enforced', 'EpcControllerPresent', 'NoEpcController', 'EnforcementDisabled', // the Node's enforcement state
      'epc backend auto: ', '-> model (epc controller)', '-> no EPC controller on this node', // the agent's backend choice
      'isolation holds: ', 'every limit bound before start: ', 'FAILED:', // the demo's summary
      'rounds down to', // the webhook's page-multiple warning
      'epc agent refused to start ', 'is not in the API server (node-scoped pod informer) within the ', // PreStart refusals
      'are not assigned to any container in pod-resources', 'it holds an enclave slot but requests no ', 'timed out after ',
      'pod informer has not listed pods yet', 'enclave device plugin not registered with kubelet', // agent readiness
      'EpcLimitReached', // the agent's Event reason
    ];
    expect(QUOTED.filter((q) => !src.includes(q)), 'quoted in the README but not in src/').toEqual([]);
    expect(QUOTED.filter((q) => !README.includes(q)), 'no longer in the README: update QUOTED').toEqual([]);
  });
});
