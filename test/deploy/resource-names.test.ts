/**
 * One set of resource names for the whole install: the agent's --epc-resource,
 * --enclave-resource and --provision-resource, the webhook's config file (resourceNames) and the
 * names in the webhooks' matchConditions agree in every overlay and chart render, and the chart
 * value `resourceNames` sets all of them. The agent's flags parse with the real `epc agent`.
 */
import { tmpdir } from 'node:os';
import { parse as parseYaml } from 'yaml';
import { describe, expect, it } from 'vitest';
import { buildAgentConfig } from '../../src/agent/agent-config.js';
import { flagProblems } from './cli-flags.js';
import { all, helmTemplate, kustomize, type K8sObject } from './render.js';
import { CHART_ONLY, MODE_X_ENFORCE, PAIRED } from './variants.js';

interface Names {
  epc: string;
  enclave: string;
  provision: string;
}

function agentNames(objs: K8sObject[]): Names {
  const ds = all(objs, 'DaemonSet').find((d) => d.metadata.name.endsWith('-agent'))!;
  const args: string[] = ds.spec.template.spec.containers.find((c: K8sObject) => c.name === 'agent').args;
  const flag = (f: string) => {
    const hits = args.filter((a) => a.startsWith(`--${f}=`));
    expect(hits, `exactly one --${f}`).toHaveLength(1);
    return hits[0].slice(f.length + 3);
  };
  return { epc: flag('epc-resource'), enclave: flag('enclave-resource'), provision: flag('provision-resource') };
}

function webhookNames(objs: K8sObject[]): Names {
  const cm = all(objs, 'ConfigMap').find((o) => o.metadata.name.endsWith('-webhook') && o.data?.['webhook.yaml'])!;
  return (parseYaml(cm.data['webhook.yaml']) as { resourceNames: Names }).resourceNames;
}

function conditionNames(objs: K8sObject[]): string[] {
  return [...all(objs, 'MutatingWebhookConfiguration'), ...all(objs, 'ValidatingWebhookConfiguration')].flatMap((cfg) =>
    (cfg.webhooks ?? []).flatMap((w: K8sObject) => (w.matchConditions ?? []).map((m: { expression: string }) => m.expression)),
  );
}

function expectAgreement(objs: K8sObject[], expected: Names): void {
  expect(agentNames(objs)).toEqual(expected);
  expect(webhookNames(objs)).toEqual(expected);
  const exprs = conditionNames(objs);
  expect(exprs).toHaveLength(3);
  for (const e of exprs) for (const n of Object.values(expected)) expect(e).toContain(`'${n}' in c.resources.requests`);
  expect(flagProblems(objs)).toEqual([]);
}

const INTEL: Names = { epc: 'sgx.intel.com/epc', enclave: 'sgx.intel.com/enclave', provision: 'sgx.intel.com/provision' };

describe('resource names agree between the agent and the webhook', () => {
  it.each(PAIRED)('deploy/$overlay', async ({ overlay }) => {
    expectAgreement(await kustomize(overlay), INTEL);
  });

  it.each([...new Map([...MODE_X_ENFORCE, ...CHART_ONLY].map((v) => [v.name, v.values] as const))])('chart: %s', async (_n, values) => {
    expectAgreement(await helmTemplate(values), INTEL);
  });

  it('one chart value (resourceNames) renames them everywhere; the agent accepts the names', async () => {
    const names: Names = { epc: 'epc.example.com/bytes', enclave: 'epc.example.com/enclave', provision: 'epc.example.com/provision' };
    for (const values of [{ resourceNames: names }, { mode: 'model', resourceNames: names }]) {
      const objs = await helmTemplate(values);
      expectAgreement(objs, names);
      const a = agentNames(objs);
      const cfg = buildAgentConfig({
        nodeName: 'n1', podResourcesSocket: '/var/lib/kubelet/pod-resources/kubelet.sock', controllerSocketDir: '/var/run/epc', epcBackend: 'auto', epcResource: a.epc,
        cgroupRoot: '/sys/fs/cgroup', cgroupDriver: 'auto', metricsAddr: '0.0.0.0:9102', advertise: 'true', enforce: 'auto', prestartTimeout: '10s', reconcileInterval: '30s',
        devicePluginDir: tmpdir(), devRoot: '/', enclaveSlots: '110', provisionSlots: '110', enclaveResource: a.enclave, provisionResource: a.provision,
      }, {});
      expect(cfg.epcResource).toBe(names.epc);
      expect(cfg.plugins).toMatchObject({ enclaveResource: names.enclave, provisionResource: names.provision });
    }
  });

  it('the chart schema rejects a name the agent or the webhook would refuse (and that could break the CEL string)', async () => {
    const { helmTemplateRaw } = await import('./render.js');
    for (const bad of ['epc', "a.com/x' || true || 'y", 'kubernetes.io/epc '] as const) {
      const r = await helmTemplateRaw({ resourceNames: { ...INTEL, epc: bad } });
      expect(r.ok, bad).toBe(false);
      expect(r.stderr).toMatch(/resourceNames/);
    }
  });
});
