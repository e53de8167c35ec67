/** Apart from cert-bootstrap.ts so the CLI declares the flags without loading client-node. */
import { ConfigError } from '../util/config-error.js';
/** The flags of `epc webhook cert-bootstrap` (the manifests pass exactly these): name -> help. */
export const CERT_BOOTSTRAP_FLAGS = {
  namespace: 'namespace of the webhook Service and Secret',
  secret: 'name of the kubernetes.io/tls Secret holding the CA and serving certificate',
  service: 'the webhook Service (the certificate is for SERVICE.NAMESPACE.svc)',
  'webhook-configuration': 'name of the Mutating and Validating webhook configurations whose caBundle is set',
  'out-dir': 'where tls.crt, tls.key and ca.crt are written (the webhook container reads them)',
  kubeconfig: 'kubeconfig of the API server (default: in-cluster config)',
} as const;

/** The flag values `runCertBootstrap` takes (kubeconfig optional: in-cluster config without it). */
export type CertBootstrapConfig = Readonly<Record<Exclude<keyof typeof CERT_BOOTSTRAP_FLAGS, 'kubeconfig'>, string> & { kubeconfig?: string }>;

/**
 * Pure: the subcommand's options (commander's camelCase keys) -> its frozen config. Every flag but
 * --kubeconfig is required; a missing or empty one is a ConfigError naming the first and listing all.
 * `parentKubeconfig`: `epc webhook` has --kubeconfig too and commander hands an option written
 * after the subcommand name to the parent that knows it, so the parent's value counts as well
 * (the subcommand's own wins).
 */
export function buildCertBootstrapConfig(own: Record<string, string | undefined>, parentKubeconfig?: string): CertBootstrapConfig {
  const o: Record<string, string | undefined> = { ...(parentKubeconfig !== undefined ? { kubeconfig: parentKubeconfig } : {}), ...own };
  const values = Object.fromEntries(
    Object.keys(CERT_BOOTSTRAP_FLAGS).map((f) => [f, o[f.replace(/-(.)/g, (_, c: string) => c.toUpperCase())]]),
  ) as Record<keyof typeof CERT_BOOTSTRAP_FLAGS, string | undefined>;
  const missing = Object.keys(CERT_BOOTSTRAP_FLAGS).filter((f) => f !== 'kubeconfig' && !values[f as keyof typeof values]?.trim());
  if (missing.length > 0) throw new ConfigError(`--${missing[0]}`, `cert-bootstrap: missing ${missing.map((f) => `--${f}`).join(', ')}`);
  if (values.kubeconfig !== undefined && values.kubeconfig.trim() === '') throw new ConfigError('--kubeconfig', 'cert-bootstrap: --kubeconfig must not be empty');
  if (values.kubeconfig === undefined) delete values.kubeconfig;
  return Object.freeze(values) as CertBootstrapConfig;
}
