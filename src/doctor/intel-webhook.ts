/**
 * Intel's SGX admission webhook in a cluster (`epc doctor --kubeconfig`): its
 * MutatingWebhookConfiguration carries the webhook `sgx.mutator.webhooks.intel.com` serving
 * `/pods-sgx` (intel-device-plugins-for-kubernetes, deployments/sgx_admissionwebhook; the
 * operator installs the same). Both webhooks mutate the same resources and the
 * `sgx.intel.com/epc` annotation, so running both flips the annotation and duplicates env.
 */
import { AdmissionregistrationV1Api, KubeConfig } from '@kubernetes/client-node';
import { describeApiError } from '../k8s/describe-api-error.js';
import type { DoctorCheck } from './doctor-report.js';

/** The webhook name and service path Intel's SGX mutator registers. */
export const INTEL_SGX_WEBHOOK_NAME = 'sgx.mutator.webhooks.intel.com';
export const INTEL_SGX_WEBHOOK_PATH = '/pods-sgx';

/** The subset of a MutatingWebhookConfiguration the detection reads. */
export interface WebhookConfigurationLike {
  metadata?: { name?: string };
  webhooks?: Array<{ name?: string; clientConfig?: { service?: { path?: string }; url?: string } }>;
}

/** Names of the configurations holding Intel's SGX mutator (pure). */
export function findIntelSgxWebhooks(items: readonly WebhookConfigurationLike[]): string[] {
  return items
    .filter((cfg) => (cfg.webhooks ?? []).some((w) => w.name === INTEL_SGX_WEBHOOK_NAME || w.clientConfig?.service?.path === INTEL_SGX_WEBHOOK_PATH || (w.clientConfig?.url ?? '').endsWith(INTEL_SGX_WEBHOOK_PATH)))
    .map((cfg) => cfg.metadata?.name ?? '?');
}

/** The check from a list result (or the error listing failed with). */
export function intelWebhookCheck(result: { items: readonly WebhookConfigurationLike[] } | { error: string }): DoctorCheck {
  const base = { id: 'intel-sgx-webhook', title: "Intel's SGX webhook" };
  if ('error' in result) return { ...base, status: 'warn', summary: `could not list MutatingWebhookConfigurations: ${result.error}` };
  const found = findIntelSgxWebhooks(result.items);
  if (found.length === 0) return { ...base, status: 'ok', summary: `not installed (${result.items.length} mutating webhook configurations checked)` };
  return {
    ...base,
    status: 'warn',
    summary: `installed: ${found.join(', ')} - it mutates the same SGX resources and the sgx.intel.com/epc annotation as ours`,
    details: [`remove it (kubectl delete mutatingwebhookconfiguration ${found.join(' ')}) or, with Intel's operator, drop SGX from its SgxDevicePlugin; see the README, Coexistence`],
  };
}

/** Lists the cluster's MutatingWebhookConfigurations with `kubeconfigPath` and judges them. Never throws. */
export async function checkIntelWebhook(kubeconfigPath: string): Promise<DoctorCheck> {
  try {
    const kc = new KubeConfig();
    kc.loadFromFile(kubeconfigPath);
    const list = await kc.makeApiClient(AdmissionregistrationV1Api).listMutatingWebhookConfiguration();
    return intelWebhookCheck({ items: list.items as WebhookConfigurationLike[] });
  } catch (err) {
    const e = describeApiError(err);
    return intelWebhookCheck({ error: e.code ? `HTTP ${e.code}: ${e.message}` : e.message });
  }
}
