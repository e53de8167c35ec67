/**
 * `epc webhook`'s flags as commander hands them over, their defaults and allowed values: apart from
 * the builder (webhook-cli-config.ts) so the CLI declares them without loading zod and yaml.
 */
export const ENCLAVE_REQUEST_MODES = ['auto', 'always'] as const;
export type EnclaveRequestMode = (typeof ENCLAVE_REQUEST_MODES)[number];
export const POLICY_MODES = ['default', 'strict'] as const;

/** Every default of `epc webhook`, as commander shows and hands them over (strings). */
export const WEBHOOK_DEFAULTS = {
  host: '0.0.0.0',
  port: '8443',
  metricsPort: '9090',
  tlsPollInterval: '2000',
  enclaveRequest: 'auto',
} as const;

/** The raw flags as commander hands them over. */
export interface WebhookFlags {
  host: string;
  port: string;
  tlsCert?: string;
  tlsKey?: string;
  metricsPort: string;
  config?: string;
  policy?: string;
  maxPodEpc?: string;
  excludeNamespace?: string[];
  tlsPollInterval: string;
  enclaveRequest: string;
  kubeconfig?: string;
}
