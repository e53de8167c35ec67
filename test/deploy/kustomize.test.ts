/**
 * The kustomize install (deploy/) with the real kubectl: every overlay renders, validates against
 * the Kubernetes schemas, meets the install policy and passes only flags the CLI declares.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { parseWebhookConfigFile } from '../../src/webhook/config.js';
import { agentNotYetDeclared, flagProblems } from './cli-flags.js';
import { checkPolicy } from './policy.js';
import { all, kustomize, one, type K8sObject } from './render.js';
import { validateAll } from './validate-objects.js';
import { PAIRED } from './variants.js';

const rendered = new Map<string, K8sObject[]>();

beforeAll(async () => {
  const paths = ['base', ...PAIRED.map((p) => p.overlay)];
  const results = await Promise.all(paths.map((p) => kustomize(p)));
  paths.forEach((p, i) => rendered.set(p, results[i]));
});

describe('kubectl kustomize deploy/base', () => {
  it('renders valid objects, all labelled as part of sgx-epc-enforcer', async () => {
    const objs = rendered.get('base')!;
    expect(await validateAll(objs)).toEqual([]);
    for (const o of objs) expect([o.kind, o.metadata.labels?.['app.kubernetes.io/part-of']]).toEqual([o.kind, 'sgx-epc-enforcer']);
  });
});

describe.each(PAIRED)('kubectl kustomize deploy/$overlay', ({ overlay, variant }) => {
  const objs = () => rendered.get(overlay)!;

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

  it('gives the webhook a config file it accepts, excluding the same namespaces as the selector', () => {
    const cm = one(all(objs(), 'ConfigMap').filter((c) => c.data?.['webhook.yaml']), 'ConfigMap');
    const file = parseWebhookConfigFile(parseYaml(cm.data['webhook.yaml']));
    for (const kind of ['MutatingWebhookConfiguration', 'ValidatingWebhookConfiguration']) {
      expect(file.excludedNamespaces).toEqual(one(objs(), kind).webhooks[0].namespaceSelector.matchExpressions[0].values);
    }
  });
});
