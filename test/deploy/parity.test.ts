/**
 * The chart and the kustomize overlays install the same thing: for each overlay and its chart
 * values, the rendered objects are equal once the install-method-specific metadata (labels,
 * selectors built from them, the config checksum) is set aside. So flags, RBAC rules, webhook
 * rules, security settings, volumes and probes agree.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { helmTemplate, kustomize, type K8sObject } from './render.js';
import { PAIRED } from './variants.js';

/** Removes what legitimately differs between helm and kustomize output. */
export function essentials(o: K8sObject): unknown {
  const copy = structuredClone(o) as K8sObject;
  const strip = (meta: { labels?: Record<string, string>; annotations?: Record<string, string> } | undefined) => {
    if (!meta) return;
    if (meta.labels) {
      const keep = Object.fromEntries(Object.entries(meta.labels).filter(([k]) => k.startsWith('pod-security.kubernetes.io/')));
      if (Object.keys(keep).length > 0) meta.labels = keep;
      else delete meta.labels;
    }
    if (meta.annotations) {
      delete meta.annotations['checksum/config'];
      if (Object.keys(meta.annotations).length === 0) delete meta.annotations;
    }
  };
  strip(copy.metadata);
  strip(copy.spec?.template?.metadata);
  if (copy.spec?.template?.metadata && Object.keys(copy.spec.template.metadata).length === 0) delete copy.spec.template.metadata;
  // Selectors: both sides select by labels they set themselves (helm adds instance).
  if (copy.spec?.selector?.matchLabels) copy.spec.selector.matchLabels = '<labels>';
  if (copy.kind === 'Service') copy.spec.selector = '<labels>';
  for (const t of copy.spec?.template?.spec?.affinity?.podAntiAffinity?.preferredDuringSchedulingIgnoredDuringExecution ?? []) t.podAffinityTerm.labelSelector = '<labels>';
  return copy;
}

const key = (o: K8sObject) => `${o.kind} ${o.metadata.namespace ?? '-'}/${o.metadata.name}`;

describe.each(PAIRED)('chart values $values == deploy/$overlay', ({ overlay, values }) => {
  let chart: K8sObject[];
  let kust: K8sObject[];
  beforeAll(async () => {
    [chart, kust] = await Promise.all([helmTemplate(values), kustomize(overlay)]);
  });

  it('renders the same set of objects', () => {
    expect(chart.map(key).sort()).toEqual(kust.map(key).sort());
  });

  it('renders each object the same apart from labels', () => {
    const byKey = new Map(kust.map((o) => [key(o), o]));
    for (const o of chart) {
      const other = byKey.get(key(o));
      expect({ object: key(o), value: other ? essentials(other) : undefined }).toEqual({ object: key(o), value: essentials(o) });
    }
  });
});
