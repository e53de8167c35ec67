/** Free-form maps of values.yaml (Kubernetes objects, label sets): not ours to name or document key by key. */
export const FREE_FORM_VALUES = /(^|\.)(nodeSelector|affinity|tolerations|resources|labels|instanceTypes|imagePullSecrets|extraExcludedNamespaces|systemNamespaces)$/;

/** Every documented leaf of the chart's values as a dotted path (a free-form map counts as one leaf). */
export function chartValueLeaves(values: unknown): string[] {
  const leaves: string[] = [];
  const walk = (v: unknown, path: string) => {
    if (v && typeof v === 'object' && !Array.isArray(v) && !FREE_FORM_VALUES.test(path) && Object.keys(v).length > 0) {
      for (const [k, child] of Object.entries(v)) walk(child, path ? `${path}.${k}` : k);
    } else leaves.push(path);
  };
  walk(values, '');
  return leaves;
}
