/**
 * The enforce-mode overlay of deploy/README.md ("Enforce mode: auto, true, false"), taken from the
 * README as written: it renders with the real kubectl, turns the hardware agent's --enforce=auto
 * into --enforce=true and nothing else, meets the install policy as a strict install and passes
 * the same flags as the chart with `agent.enforce=true`. The same patch with `false` gives the
 * chart's observe-only agent, on the aks overlay too.
 */
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse as parseYaml, stringify } from 'yaml';
import { ensureK8sTools } from '../helpers/k8s-tools.js';
import { checkPolicy } from './policy.js';
import { DEPLOY_DIR, helmTemplate, kustomize, one, parseManifests, type K8sObject } from './render.js';
import { AGENT_NS, WEBHOOK_NS } from './variants.js';

const agentArgs = (objs: K8sObject[]): string[] => one(objs, 'DaemonSet', 'sgx-epc-enforcer-agent').spec.template.spec.containers[0].args;

// eslint-disable-next-line @typescript-eslint/no-explicit-any
async function readmeOverlay(): Promise<Record<string, any>> {
  const text = await readFile(join(DEPLOY_DIR, 'README.md'), 'utf8');
  const section = text.slice(text.indexOf('## Enforce mode: auto, true, false'));
  const block = /```yaml\n([\s\S]*?)```/.exec(section.slice(0, section.indexOf('\n## ', 5)));
  if (!block) throw new Error('deploy/README.md: no yaml block under "Enforce mode: auto, true, false"');
  return parseYaml(block[1]);
}

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'epc-enforce-'));
  // The README's layout: the overlay next to deploy/ (here a symlink to the checkout's deploy/).
  await symlink(DEPLOY_DIR, join(dir, 'deploy'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** Renders the README overlay with `base` as its resource and `value` as the --enforce value. */
async function render(name: string, base: string, value: string): Promise<K8sObject[]> {
  const k = await readmeOverlay();
  k.resources = [`../deploy/${base}`];
  k.patches[0].patch = String(k.patches[0].patch).replace('--enforce=true', `--enforce=${value}`);
  await mkdir(join(dir, name));
  await writeFile(join(dir, name, 'kustomization.yaml'), stringify(k));
  const { kubectl } = await ensureK8sTools();
  const r = await promisify(execFile)(kubectl, ['kustomize', join(dir, name)], { maxBuffer: 64 << 20 });
  return parseManifests(r.stdout);
}

describe('enforce-mode overlay (deploy/README.md)', () => {
  it('as written: strict enforcement on the hardware overlay, same flags as agent.enforce=true', async () => {
    const k = await readmeOverlay();
    expect(k.resources).toEqual(['../deploy/overlays/hardware']);
    const objs = await render('as-written', 'overlays/hardware', 'true');
    const hw = await kustomize('overlays/hardware');
    expect(agentArgs(hw)).toContain('--enforce=auto');
    expect(agentArgs(objs)).toEqual(agentArgs(hw).map((a) => (a === '--enforce=auto' ? '--enforce=true' : a)));
    expect(checkPolicy(objs, { mode: 'hardware', certs: 'bootstrap', aks: false, enforce: 'true', agentNamespace: AGENT_NS, webhookNamespace: WEBHOOK_NS })).toEqual([]);
    expect(agentArgs(await helmTemplate({ agent: { enforce: 'true' } }))).toEqual(agentArgs(objs));
  });

  it('with false on the aks overlay: the chart observe-only aks agent', async () => {
    const objs = await render('aks-false', 'overlays/aks', 'false');
    expect(checkPolicy(objs, { mode: 'enforce-only', certs: 'bootstrap', aks: true, enforce: 'false', agentNamespace: AGENT_NS, webhookNamespace: WEBHOOK_NS })).toEqual([]);
    expect(agentArgs(await helmTemplate({ mode: 'enforce-only', aks: { enabled: true }, agent: { enforce: false } }))).toEqual(agentArgs(objs));
  });
});
