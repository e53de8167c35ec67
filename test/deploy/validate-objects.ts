/**
 * Validates rendered objects against the official Kubernetes OpenAPI schemas through
 * `kubernetes-models` (types, enums, required fields, quantities). Objects of CRDs that package
 * does not know (cert-manager, prometheus-operator) are checked for the few fields we rely on.
 */
import type { K8sObject } from './render.js';

/** Kinds outside kubernetes-models that the manifests may contain, by apiVersion. */
export const CRD_KINDS: Record<string, string[]> = {
  'cert-manager.io/v1': ['Issuer', 'Certificate'],
  'monitoring.coreos.com/v1': ['PrometheusRule', 'ServiceMonitor'],
};

interface Validatable {
  validate(): void;
}
type ModelCtor = new (data: unknown) => Validatable;

/** The API versions our manifests use, each with its kubernetes-models module (static imports). */
const MODEL_MODULES: Record<string, () => Promise<Record<string, unknown>>> = {
  v1: () => import('kubernetes-models/v1'),
  'apps/v1': () => import('kubernetes-models/apps/v1'),
  'policy/v1': () => import('kubernetes-models/policy/v1'),
  'rbac.authorization.k8s.io/v1': () => import('kubernetes-models/rbac.authorization.k8s.io/v1'),
  'admissionregistration.k8s.io/v1': () => import('kubernetes-models/admissionregistration.k8s.io/v1'),
  'scheduling.k8s.io/v1': () => import('kubernetes-models/scheduling.k8s.io/v1'),
};

function modelModule(apiVersion: string): Promise<Record<string, unknown>> {
  const load = MODEL_MODULES[apiVersion];
  if (!load) return Promise.reject(new Error(`no model module for ${apiVersion}`));
  return load();
}

/** One object's verdict: `ok`, `crd` (known CRD kind, structurally checked) or an error text. */
export async function validateObject(obj: K8sObject): Promise<{ ok: true; via: 'schema' | 'crd' } | { ok: false; error: string }> {
  const id = `${obj.kind}/${obj.metadata?.name ?? '?'}`;
  if (!obj.apiVersion || !obj.kind || !obj.metadata?.name) return { ok: false, error: `${id}: apiVersion, kind and metadata.name are required` };
  const crd = CRD_KINDS[obj.apiVersion];
  if (crd) {
    if (!crd.includes(obj.kind)) return { ok: false, error: `${id}: unexpected kind for ${obj.apiVersion}` };
    if (typeof obj.spec !== 'object' || obj.spec === null) return { ok: false, error: `${id}: spec is required` };
    return { ok: true, via: 'crd' };
  }
  let mod: Record<string, unknown>;
  try {
    mod = await modelModule(obj.apiVersion);
  } catch {
    return { ok: false, error: `${id}: unknown apiVersion ${obj.apiVersion}` };
  }
  const Ctor = mod[obj.kind] as ModelCtor | undefined;
  if (typeof Ctor !== 'function') return { ok: false, error: `${id}: unknown kind in ${obj.apiVersion}` };
  try {
    new Ctor(obj).validate();
    return { ok: true, via: 'schema' };
  } catch (err) {
    return { ok: false, error: `${id}: ${(err as Error).message}` };
  }
}

/** Validates every object; returns the list of errors (empty = all valid). */
export async function validateAll(objs: K8sObject[]): Promise<string[]> {
  const results = await Promise.all(objs.map(validateObject));
  return results.flatMap((r) => (r.ok ? [] : [r.error]));
}
