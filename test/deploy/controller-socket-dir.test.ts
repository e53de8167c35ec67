/**
 * The epc controller's socket dir is protected wherever it is: the webhook's `controllerSocketDirs`
 * (its config file) covers the agent's --controller-socket-dir, the dir of its --model-socket, the
 * controller container's --socket-dir and the host directory mounted there, in every overlay and
 * chart render; the chart value `controller.socketDir` moves all of them. Checked with the real
 * admission decision: a tenant pod mounting the dir (or a socket in it) is denied, the agent's own
 * namespace is not.
 */
import { describe, expect, it } from 'vitest';
import { AGENT_DEFAULTS } from '../../src/agent/agent-config.js';
import { modelSocketDirOf } from '../../src/contracts/controller-api/socket-names.js';
import { handleAdmission, type WebhookConfig } from '../../src/webhook/index.js';
import { podReview } from '../webhook/pod-review.js';
import { all, helmTemplate, kustomize, type K8sObject } from './render.js';
import { renderedWebhookConfig } from './rendered-webhook-config.js';
import { CHART_ONLY, MODE_X_ENFORCE, PAIRED } from './variants.js';

/** Every socket dir the agent DaemonSet uses, and its namespace. */
function agentSocketDirs(objs: K8sObject[]): { namespace: string; dirs: string[]; mounted: boolean } {
  const ds = all(objs, 'DaemonSet').find((d) => d.metadata.name.endsWith('-agent'))!;
  const spec = ds.spec.template.spec;
  const dirs = new Set<string>();
  const flag = (args: string[], f: string) => args.filter((a) => a.startsWith(`--${f}=`)).map((a) => a.slice(f.length + 3));
  for (const c of spec.containers as K8sObject[]) {
    const args: string[] = c.args ?? [];
    if (c.name === 'agent') {
      const given = flag(args, 'controller-socket-dir');
      expect(given.length, 'at most one --controller-socket-dir').toBeLessThanOrEqual(1);
      dirs.add(given[0] ?? AGENT_DEFAULTS.controllerSocketDir);
      for (const m of flag(args, 'model-socket')) dirs.add(modelSocketDirOf(m));
    }
    if (args[0] === 'controller') for (const d of flag(args, 'socket-dir')) dirs.add(d);
  }
  // The host directory behind each mount of those dirs: host path = container path (the device
  // plugin hands the same path to EPC pods).
  const volumes = new Map<string, K8sObject>((spec.volumes ?? []).map((v: K8sObject) => [v.name, v]));
  let mounted = false;
  for (const c of spec.containers as K8sObject[]) {
    for (const m of (c.volumeMounts ?? []) as Array<{ name: string; mountPath: string }>) {
      if (!dirs.has(m.mountPath)) continue;
      const host = volumes.get(m.name)?.hostPath?.path;
      expect(host, `${c.name} mounts ${m.mountPath} from the host`).toBe(m.mountPath);
      mounted = true;
    }
  }
  return { namespace: ds.metadata.namespace!, dirs: [...dirs], mounted };
}

function decide(config: WebhookConfig, namespace: string, hostPath: string) {
  const object = {
    metadata: { name: 'p', namespace },
    spec: { containers: [{ name: 'app', volumeMounts: [{ name: 'h', mountPath: '/host' }] }], volumes: [{ name: 'h', hostPath: { path: hostPath } }] },
  };
  return handleAdmission('validate', podReview(object, namespace), config).labels;
}

function expectProtected(objs: K8sObject[], expectedDirs?: string[]): void {
  const agent = agentSocketDirs(objs);
  const config = renderedWebhookConfig(objs);
  if (expectedDirs) expect(agent.dirs).toEqual(expectedDirs);
  for (const dir of agent.dirs) {
    for (const p of [dir, `${dir}/control.sock`, `${dir}/slots/s1/enclave.sock`]) {
      expect(decide(config, 'team-a', p), `a tenant pod mounting ${p}`).toEqual({ rule: 'hostpath-controller-socket', result: 'denied' });
    }
    expect(decide(config, agent.namespace, dir), 'the agent\'s namespace is excluded').toEqual({ rule: 'excluded-namespace', result: 'allowed' });
  }
}

describe('the webhook protects the controller socket dir the agent uses', () => {
  it.each(PAIRED)('deploy/$overlay', async ({ overlay, name }) => {
    const objs = await kustomize(overlay);
    expectProtected(objs, ['/var/run/epc']);
    expect(agentSocketDirs(objs).mounted).toBe(name === 'model');
  });

  it.each([...new Map([...MODE_X_ENFORCE, ...CHART_ONLY].map((v) => [v.name, v.values] as const))])('chart: %s', async (_n, values) => {
    expectProtected(await helmTemplate(values), ['/var/run/epc']);
  });

  it('chart value controller.socketDir moves the agent, the controller, the mount and the webhook\'s list together', async () => {
    const objs = await helmTemplate({ mode: 'model', controller: { socketDir: '/srv/sgx-epc' } });
    expectProtected(objs, ['/srv/sgx-epc']);
    expect(agentSocketDirs(objs).mounted).toBe(true);
    expect(renderedWebhookConfig(objs).controllerSocketDirs).toEqual(['/srv/sgx-epc']);
    // Outside model mode the agent mounts no socket dir; the webhook still protects the value.
    expect(renderedWebhookConfig(await helmTemplate({ controller: { socketDir: '/srv/sgx-epc' } })).controllerSocketDirs).toEqual(['/srv/sgx-epc']);
  });
});
