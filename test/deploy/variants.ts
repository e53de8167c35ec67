/**
 * The install variants: each kustomize overlay and the chart values that must render the same
 * install, plus chart-only variants. Shared by the chart, kustomize and parity tests.
 */
import { ENFORCE_VALUES, type Variant } from './policy.js';

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

/** The chart's modes as an operator picks them (aks = enforce-only with aks.enabled). */
const MODES: Array<{ name: string; values: Record<string, unknown>; variant: Variant }> = [
  { name: 'model', values: { mode: 'model' }, variant: { ...base, mode: 'model' } },
  { name: 'hardware', values: { mode: 'hardware' }, variant: { ...base, mode: 'hardware' } },
  { name: 'enforce-only', values: { mode: 'enforce-only' }, variant: { ...base, mode: 'enforce-only' } },
  { name: 'aks', values: { mode: 'enforce-only', aks: { enabled: true } }, variant: { ...base, mode: 'enforce-only', aks: true } },
];

/** Every mode x every agent.enforce value (issue 15), as the chart renders them. */
export const MODE_X_ENFORCE = MODES.flatMap((m) =>
  ENFORCE_VALUES.map((enforce) => ({
    name: `${m.name} x enforce=${enforce}`,
    mode: m.name,
    enforce,
    values: { ...m.values, agent: { enforce } },
    variant: { ...m.variant, enforce },
  })),
);

/** Chart-only combinations (other cert modes and namespaces, monitoring on, a boolean enforce from --set). */
export const CHART_ONLY: Array<{ name: string; values: Record<string, unknown>; variant: Variant }> = [
  { name: 'model + cert-manager', values: { mode: 'model', certs: { mode: 'cert-manager' } }, variant: { ...base, mode: 'model', certs: 'cert-manager' } },
  { name: 'aks observe-only (--set agent.enforce=false, a boolean)', values: { mode: 'enforce-only', aks: { enabled: true }, agent: { enforce: false } }, variant: { ...base, mode: 'enforce-only', aks: true, enforce: 'false' } },
  { name: 'enforce-only + aks + cert-manager', values: { mode: 'enforce-only', aks: { enabled: true }, certs: { mode: 'cert-manager' } }, variant: { ...base, mode: 'enforce-only', aks: true, certs: 'cert-manager' } },
  {
    name: 'custom namespaces, strict policy, monitoring',
    values: {
      namespaces: { agent: 'epc-agents', webhook: 'epc-admission' },
      webhook: { policy: 'strict', maxPodEpc: '128Mi', extraExcludedNamespaces: ['monitoring'] },
      monitoring: { grafanaDashboard: { enabled: true }, prometheusRule: { enabled: true }, serviceMonitor: { enabled: true, labels: { release: 'prometheus' } } },
    },
    variant: { ...base, mode: 'hardware', agentNamespace: 'epc-agents', webhookNamespace: 'epc-admission' },
  },
  { name: 'enclaveRequest=always (no Node watch)', values: { webhook: { enclaveRequest: 'always' } }, variant: { ...base, mode: 'hardware', enclaveRequest: 'always' } },
  { name: 'enclaveRequest=always + cert-manager (no API calls at all)', values: { webhook: { enclaveRequest: 'always' }, certs: { mode: 'cert-manager' } }, variant: { ...base, mode: 'hardware', certs: 'cert-manager', enclaveRequest: 'always' } },
  ...MODE_X_ENFORCE,
];
