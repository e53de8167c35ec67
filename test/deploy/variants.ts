/**
 * The install variants: each kustomize overlay and the chart values that must render the same
 * install, plus chart-only variants. Shared by the chart, kustomize and parity tests.
 */
import type { Variant } from './policy.js';

/** Default namespaces of both install methods. */
export const AGENT_NS = 'sgx-epc-system';
export const WEBHOOK_NS = 'sgx-epc-webhook';

/** A kustomize overlay and its chart equivalent. */
export interface PairedVariant {
  name: string;
  overlay: string;
  values: Record<string, unknown>;
  variant: Variant;
}

const base = { certs: 'bootstrap', aks: false, agentNamespace: AGENT_NS, webhookNamespace: WEBHOOK_NS } as const;

/** Overlay <-> chart values pairs. */
export const PAIRED: PairedVariant[] = [
  { name: 'model', overlay: 'overlays/model', values: { mode: 'model' }, variant: { ...base, mode: 'model' } },
  { name: 'hardware', overlay: 'overlays/hardware', values: {}, variant: { ...base, mode: 'hardware' } },
  { name: 'aks', overlay: 'overlays/aks', values: { mode: 'enforce-only', aks: { enabled: true } }, variant: { ...base, mode: 'enforce-only', aks: true } },
  { name: 'cert-manager', overlay: 'overlays/cert-manager', values: { certs: { mode: 'cert-manager' } }, variant: { ...base, mode: 'hardware', certs: 'cert-manager' } },
];

/** Chart-only combinations (every mode x cert mode, other namespaces, monitoring on). */
export const CHART_ONLY: Array<{ name: string; values: Record<string, unknown>; variant: Variant }> = [
  { name: 'enforce-only without aks', values: { mode: 'enforce-only' }, variant: { ...base, mode: 'enforce-only' } },
  { name: 'model + cert-manager', values: { mode: 'model', certs: { mode: 'cert-manager' } }, variant: { ...base, mode: 'model', certs: 'cert-manager' } },
  { name: 'aks observe-only (agent.enforce=false)', values: { mode: 'enforce-only', aks: { enabled: true }, agent: { enforce: false } }, variant: { ...base, mode: 'enforce-only', aks: true, enforce: false } },
  { name: 'enforce-only + aks + cert-manager', values: { mode: 'enforce-only', aks: { enabled: true }, certs: { mode: 'cert-manager' } }, variant: { ...base, mode: 'enforce-only', aks: true, certs: 'cert-manager' } },
  {
    name: 'custom namespaces, strict policy, monitoring',
    values: {
      namespaces: { agent: 'epc-agents', webhook: 'epc-admission' },
      webhook: { policy: 'strict', maxPodEpc: '128Mi', extraExcludedNamespaces: ['monitoring'] },
      monitoring: { grafanaDashboard: { enabled: true }, prometheusRule: { enabled: true } },
    },
    variant: { ...base, mode: 'hardware', agentNamespace: 'epc-agents', webhookNamespace: 'epc-admission' },
  },
];
