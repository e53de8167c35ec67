/**
 * The kind e2e suite cannot run here (no Docker engine), so what it installs and parses is
 * checked in the normal suite: the e2e overlay renders, meets the policy and uses only the
 * locally loaded image; the kind config labels the worker the way the model overlay selects;
 * the metrics reader finds labelled samples.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { packageRoot } from '../../src/util/package-root.js';
import { E2E_IMAGE, metricValue } from '../e2e/kind-harness.js';
import { checkPolicy, SIMULATED_SGX_LABEL } from './policy.js';
import { kustomize } from './render.js';
import { validateAll } from './validate-objects.js';
import { AGENT_NS, WEBHOOK_NS } from './variants.js';

describe('e2e assets', () => {
  it('test/e2e/kustomization.yaml: the model overlay with the loaded image, never pulled', async () => {
    const objs = await kustomize('../test/e2e');
    expect(await validateAll(objs)).toEqual([]);
    expect(checkPolicy(objs, { mode: 'model', certs: 'bootstrap', aks: false, agentNamespace: AGENT_NS, webhookNamespace: WEBHOOK_NS })).toEqual([]);
    const containers = objs.flatMap((o) => [...(o.spec?.template?.spec?.initContainers ?? []), ...(o.spec?.template?.spec?.containers ?? [])]);
    expect(containers.length).toBe(4);
    for (const c of containers) expect([c.name, c.image, c.imagePullPolicy]).toEqual([c.name, E2E_IMAGE, 'Never']);
  });

  it('kind-config.yaml labels a worker as a simulated SGX node', () => {
    const cfg = parseYaml(readFileSync(join(packageRoot(), 'test/e2e/kind-config.yaml'), 'utf8')) as { nodes: Array<{ role: string; labels?: Record<string, string> }> };
    expect(cfg.nodes.filter((n) => n.role === 'worker' && n.labels?.[SIMULATED_SGX_LABEL] === 'true')).toHaveLength(1);
  });

  it.each([
    { name: 'labelled sample', labels: { namespace: 'e2e', pod: 'noisy' }, expected: 42 },
    { name: 'other pod', labels: { namespace: 'e2e', pod: 'quiet' }, expected: 0 },
    { name: 'absent pod', labels: { namespace: 'e2e', pod: 'nobody' }, expected: undefined },
  ])('metricValue: $name', ({ labels, expected }) => {
    const text = [
      '# HELP epc_pod_evicted_pages_total pages evicted',
      '# TYPE epc_pod_evicted_pages_total counter',
      'epc_pod_evicted_pages_total{namespace="e2e",pod="noisy"} 42',
      'epc_pod_evicted_pages_total{namespace="e2e",pod="quiet"} 0',
      'epc_pod_evicted_pages_total_other{namespace="e2e",pod="nobody"} 7',
    ].join('\n');
    expect(metricValue(text, 'epc_pod_evicted_pages_total', labels)).toBe(expected);
  });
});
