/**
 * Pure: `epc webhook` flags, env and the `--config` file's text -> one validated, frozen
 * configuration. A bad flag is a ConfigError naming it; a bad config file is a ConfigError for
 * `--config` whose message names the file and the field (`bad configuration: FILE: FIELD: ...`).
 * The CLI exits 2 with either. Reading the file is the only I/O: readWebhookConfigFile, before.
 * (Loaded only by the command's action: zod and yaml cost every `epc` start ~70 ms otherwise.)
 */
export { WEBHOOK_DEFAULTS, type WebhookFlags } from './webhook-flags.js';
import { ConfigError } from '../util/config-error.js';
import { deepFreeze } from '../util/deep-freeze.js';
import { intFlag, nonEmptyFlag, oneOfFlag, portFlag } from '../util/flag-values.js';
import { readInputFile } from '../util/read-input-file.js';
import { ENCLAVE_REQUEST_MODES, POLICY_MODES, type EnclaveRequestMode, type WebhookFlags } from './webhook-flags.js';
import { MAX_CONFIG_FILE_BYTES, parseWebhookConfigText, resolveWebhookConfig, webhookConfigFileSchema, WebhookConfigError, type WebhookConfig, type WebhookConfigFile } from './config.js';

/** The `--config` file as read: its path (for messages) and text. */
export interface WebhookConfigSource {
  path: string;
  text: string;
}

/** The environment variables the Node watch's API access reads (loadKubeAccess). */
const KUBE_ENV = ['KUBECONFIG', 'HOME', 'KUBERNETES_SERVICE_HOST', 'KUBERNETES_SERVICE_PORT'] as const;

export interface WebhookRunConfig {
  host: string;
  port: number;
  metricsPort: number;
  tlsCertFile: string;
  tlsKeyFile: string;
  tlsPollIntervalMs: number;
  enclaveRequest: EnclaveRequestMode;
  /** API access for the Node watch (`--enclave-request auto` only): `--kubeconfig` and the env it falls back on. */
  kube: { file?: string; env: Partial<Record<(typeof KUBE_ENV)[number], string>> };
  /** What the review rules read: defaults <- config file <- flags. */
  review: WebhookConfig;
}

/** One flag's value checked by the config file's schema for `field`; a ConfigError naming the flag. */
function schemaFlag<K extends keyof WebhookConfigFile>(flag: string, field: K, v: unknown): void {
  const r = webhookConfigFileSchema.shape[field].safeParse(v);
  if (!r.success) {
    const issue = r.error.issues[0];
    const at = issue.path.length > 0 ? ` (${JSON.stringify(Array.isArray(v) ? v[Number(issue.path[0])] : v)})` : '';
    throw new ConfigError(flag, `${flag}${at}: ${issue.message}`);
  }
}

export function buildWebhookConfig(f: WebhookFlags, env: NodeJS.ProcessEnv, file?: WebhookConfigSource): Readonly<WebhookRunConfig> {
  // Checked here, not by commander: a parent's required options would bind `cert-bootstrap` too.
  if (f.tlsCert === undefined) throw new ConfigError('--tls-cert', "required option '--tls-cert <file>' not specified");
  if (f.tlsKey === undefined) throw new ConfigError('--tls-key', "required option '--tls-key <file>' not specified");
  const tlsCertFile = nonEmptyFlag('--tls-cert', f.tlsCert);
  const tlsKeyFile = nonEmptyFlag('--tls-key', f.tlsKey);
  const host = nonEmptyFlag('--host', f.host);
  const port = portFlag('--port', f.port);
  const metricsPort = portFlag('--metrics-port', f.metricsPort);
  const tlsPollIntervalMs = intFlag('--tls-poll-interval', f.tlsPollInterval, { min: 10 });
  const enclaveRequest = oneOfFlag('--enclave-request', f.enclaveRequest, ENCLAVE_REQUEST_MODES);
  if (f.policy !== undefined) oneOfFlag('--policy', f.policy, POLICY_MODES);
  if (f.maxPodEpc !== undefined) schemaFlag('--max-pod-epc', 'maxPodEpc', f.maxPodEpc);
  if (f.excludeNamespace !== undefined) schemaFlag('--exclude-namespace', 'excludedNamespaces', f.excludeNamespace);
  if (f.kubeconfig !== undefined) nonEmptyFlag('--kubeconfig', f.kubeconfig);
  if (f.config !== undefined && (file === undefined || file.path !== f.config)) throw new ConfigError('--config', `--config ${f.config}: not read (readWebhookConfigFile first)`);
  let review: WebhookConfig;
  try {
    const parsed = file ? parseWebhookConfigText(file.text, file.path) : {};
    review = resolveWebhookConfig(parsed, { policy: f.policy, maxPodEpc: f.maxPodEpc, excludedNamespaces: f.excludeNamespace });
  } catch (err) {
    if (err instanceof WebhookConfigError) throw new ConfigError('--config', `--config: bad configuration: ${err.message}`);
    throw err;
  }
  const kubeEnv = Object.fromEntries(KUBE_ENV.filter((k) => env[k] !== undefined).map((k) => [k, env[k]]));
  return deepFreeze({ host, port, metricsPort, tlsCertFile, tlsKeyFile, tlsPollIntervalMs, enclaveRequest, kube: { file: f.kubeconfig, env: kubeEnv }, review });
}

/** The I/O before the builder: reads `--config` (at most 1 MiB); a ConfigError naming the file if it cannot. */
export async function readWebhookConfigFile(path: string | undefined): Promise<WebhookConfigSource | undefined> {
  if (path === undefined) return undefined;
  const input = await readInputFile(path, { maxBytes: MAX_CONFIG_FILE_BYTES });
  if (!input.ok) throw new ConfigError('--config', `--config: bad configuration: ${path}: cannot read: ${input.reason}`);
  return { path, text: input.text };
}
