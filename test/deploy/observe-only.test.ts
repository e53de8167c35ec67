/**
 * The observe-only install of deploy/README.md ("Kernels without the EPC cgroup"): its kustomize
 * overlay, taken from the README as written, renders with the real kubectl, meets the install
 * policy as an observe-only aks install and passes the agent the same flags as the chart with
 * `agent.enforce=false`; the aks overlay itself keeps enforcing.
 */
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { parse as parseYaml, stringify } from 'yaml';
import { ensureK8sTools } from '../helpers/k8s-tools.js';
import { checkPolicy } from './policy.js';
import { DEPLOY_DIR, helmTemplate, kustomize, one, parseManifests, type K8sObject } from './render.js';
import { AGENT_NS, WEBHOOK_NS } from './variants.js';

const agentArgs = (objs: K8sObject[]): string[] => one(objs, 'DaemonSet', 'sgx-epc-enforcer-agent').spec.template.spec.containers[0].args;

async function readmeOverlay(): Promise<Record<string, any>> {
  const text = await readFile(join(DEPLOY_DIR, 'README.md'), 'utf8');
  const section = text.slice(text.indexOf('## Kernels without the EPC cgroup'));
  const block = /```yaml\n([\s\S]*?)```/.exec(section.slice(0, section.indexOf('\n## ', 5)));
  if (!block) throw new Error('deploy/README.md: no yaml block under "Kernels without the EPC cgroup"');
  return parseYaml(block[1]);
}

describe('observe-only install (deploy/README.md)', () => {
  it('the README overlay adds exactly --enforce=false to the aks agent and meets the policy', async () => {
    const k = await readmeOverlay();
    expect(k.resources).toEqual(['../deploy/overlays/aks']);
    const dir = await mkdtemp(join(tmpdir(), 'epc-observe-'));
    try {
      // The README's layout: observe-only/ next to deploy/ (here a symlink to the checkout's deploy/).
      await symlink(DEPLOY_DIR, join(dir, 'deploy'));
      await mkdir(join(dir, 'observe-only'));
      await writeFile(join(dir, 'observe-only', 'kustomization.yaml'), stringify(k));
      const { kubectl } = await ensureK8sTools();
      const r = await promisify(execFile)(kubectl, ['kustomize', join(dir, 'observe-only')], { maxBuffer: 64 << 20 });
      const objs = parseManifests(r.stdout);
      const aks = await kustomize('overlays/aks');
      expect(agentArgs(objs)).toEqual([...agentArgs(aks), '--enforce=false']);
      expect(agentArgs(aks)).not.toContain('--enforce=false');
      expect(checkPolicy(objs, { mode: 'enforce-only', certs: 'bootstrap', aks: true, enforce: false, agentNamespace: AGENT_NS, webhookNamespace: WEBHOOK_NS })).toEqual([]);
      const chart = await helmTemplate({ mode: 'enforce-only', aks: { enabled: true }, agent: { enforce: false } });
      expect(agentArgs(chart)).toEqual(agentArgs(objs));
      expect(agentArgs(await helmTemplate({ mode: 'enforce-only', aks: { enabled: true } }))).toEqual(agentArgs(aks));
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
