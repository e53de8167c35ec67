/**
 * Webhook configuration: a YAML/JSON file validated with zod, then overridden by flags. The
 * resolved `WebhookConfig` is plain data shared by the pure review code and the server.
 */
import { posix } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { ENCLAVE_RESOURCE, EPC_RESOURCE, PROVISION_RESOURCE } from '../pod/pod-epc.js';
import { parseByteQuantity } from '../pod/quantity.js';
import { validateResourceName } from '../pod/resource-name.js';
import { readInputFile } from '../util/read-input-file.js';
import { POLICY_MODES } from './webhook-flags.js';

/** Largest config file read: configs are a few lines. */
export const MAX_CONFIG_FILE_BYTES = 1024 * 1024;

/** Policy mode: `strict` turns the privileged-container warning into a denial. */
export type PolicyMode = (typeof POLICY_MODES)[number];

/**
 * Host paths that reach SGX devices: the in-kernel driver (`sgx_enclave`, `sgx_provision`, and
 * `sgx_vepc`, KVM's virtual EPC: a VM given it runs enclaves outside any cgroup limit), the
 * out-of-tree drivers (`/dev/sgx/*`, `/dev/isgx`) and /dev. A container that declares EPC may
 * mount them (it runs under the pod's EPC limit); one that declares none may not.
 */
export const DEFAULT_DEVICE_HOST_PATHS = ['/dev/sgx_enclave', '/dev/sgx_provision', '/dev/sgx_vepc', '/dev/sgx', '/dev/isgx', '/dev'];

/**
 * The model's `epc controller` socket dir (`control.sock` sets any cgroup's misc.max, and the
 * per-slot enclave sockets below it): no pod outside the excluded namespaces may mount it, EPC
 * or not. `/var/run/epc` also matches `/run/epc` (hostpath-match.ts).
 */
export const DEFAULT_CONTROLLER_SOCKET_DIRS = ['/var/run/epc'];

/**
 * Host paths through which a pod would reach the enforcement itself on a node, whatever it
 * declares: the cgroup filesystem (a pod's `misc.max` is the EPC limit on hardware; a root
 * container mounting it writes its own or a neighbour's) and kubelet's device-plugin dir (a root
 * container there registers its own plugin for the enclave resource; kubelet keeps the latest
 * registration, so EPC pods would get /dev/sgx_enclave without this agent's PreStartContainer).
 * Denied as hostPaths for every pod outside the excluded namespaces, as the controller's socket
 * dir is. A chart `agent.kubeletDir` elsewhere needs its device-plugins dir listed.
 */
export const DEFAULT_ENFORCEMENT_HOST_PATHS = ['/sys/fs/cgroup', '/var/lib/kubelet/device-plugins'];

/** The resolved configuration every part of the webhook reads. */
export interface WebhookConfig {
  resourceNames: { epc: string; enclave: string; provision: string };
  /** Namespaces whose pods are allowed untouched (defense in depth behind the namespaceSelector). */
  excludedNamespaces: string[];
  policy: PolicyMode;
  /** Largest effective pod EPC in bytes, or undefined for no maximum. */
  maxPodEpcBytes?: bigint;
  /** Normalized absolute host paths; see hostpath-match.ts for how they match. */
  deviceHostPaths: string[];
  /** The controller's socket dirs (normalized): denied as hostPaths for every pod. */
  controllerSocketDirs: string[];
  /** The enforcement's own host paths (normalized): denied as hostPaths for every pod. */
  enforcementHostPaths: string[];
}

/** Defaults: Intel's resource names, kube-system excluded, default policy, no maximum. */
export function defaultWebhookConfig(): WebhookConfig {
  return {
    resourceNames: { epc: EPC_RESOURCE, enclave: ENCLAVE_RESOURCE, provision: PROVISION_RESOURCE },
    excludedNamespaces: ['kube-system'],
    policy: 'default',
    deviceHostPaths: [...DEFAULT_DEVICE_HOST_PATHS],
    controllerSocketDirs: [...DEFAULT_CONTROLLER_SOCKET_DIRS],
    enforcementHostPaths: [...DEFAULT_ENFORCEMENT_HOST_PATHS],
  };
}

// Extended resource names are qualified names with a domain prefix (`domain/name`).
const resourceName = z.string().superRefine((v, ctx) => {
  if (validateResourceName(v) !== undefined) ctx.addIssue({ code: 'custom', message: 'must be a domain-prefixed resource name like sgx.intel.com/epc (not reserved, at most 253 characters)' });
});
const namespaceName = z.string().regex(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/, 'must be a DNS label').max(63);
const quantity = z.union([z.string(), z.number()]).superRefine((v, ctx) => {
  const b = parseByteQuantity(v);
  if (!b.ok) ctx.addIssue({ code: 'custom', message: `quantity ${JSON.stringify(v)} ${b.reason}` });
});
const hostPath = z.string().startsWith('/', 'must be an absolute path');

/** The config file schema; every field optional (defaults apply), unknown fields rejected. */
export const webhookConfigFileSchema = z.strictObject({
  resourceNames: z.strictObject({ epc: resourceName, enclave: resourceName, provision: resourceName }).partial().optional(),
  excludedNamespaces: z.array(namespaceName).optional(),
  policy: z.enum(POLICY_MODES).optional(),
  maxPodEpc: quantity.nullable().optional(),
  deviceHostPaths: z.array(hostPath).min(1).optional(),
  controllerSocketDirs: z.array(hostPath).optional(),
  enforcementHostPaths: z.array(hostPath).optional(),
});

/** The parsed file, before merging with defaults and flags. */
export type WebhookConfigFile = z.infer<typeof webhookConfigFileSchema>;

/** Thrown for a bad config file or flag; `field` names the offending field. */
export class WebhookConfigError extends Error {
  constructor(readonly field: string, message: string) {
    super(`${field}: ${message}`);
    this.name = 'WebhookConfigError';
  }
}

/** Validates already-parsed file content. Throws WebhookConfigError naming the first bad field. */
export function parseWebhookConfigFile(data: unknown, source = 'config'): WebhookConfigFile {
  const r = webhookConfigFileSchema.safeParse(data ?? {});
  if (r.success) return r.data;
  const issue = r.error.issues[0];
  const keys = issue.code === 'unrecognized_keys' ? issue.keys : [];
  const path = [...issue.path.map(String), ...keys.slice(0, 1)].join('.') || '(root)';
  throw new WebhookConfigError(`${source}: ${path}`, issue.message);
}

/** Reads and validates a YAML or JSON config file (JSON is YAML). */
export async function loadWebhookConfigFile(file: string): Promise<WebhookConfigFile> {
  const input = await readInputFile(file, { maxBytes: MAX_CONFIG_FILE_BYTES });
  if (!input.ok) throw new WebhookConfigError(file, `cannot read: ${input.reason}`);
  return parseWebhookConfigText(input.text, file);
}

/** Pure: parses and validates a config file's text (YAML or JSON); errors name `file` and the field. */
export function parseWebhookConfigText(text: string, file: string): WebhookConfigFile {
  let data: unknown;
  try {
    data = parseYaml(text);
  } catch (err) {
    throw new WebhookConfigError(file, `not valid YAML/JSON: ${(err as Error).message.split('\n')[0]}`);
  }
  return parseWebhookConfigFile(data, file);
}

/** Flag overrides (undefined = not given). */
export interface WebhookConfigOverrides {
  policy?: string;
  maxPodEpc?: string;
  excludedNamespaces?: string[];
}

/** Defaults <- file <- flags. Throws WebhookConfigError for a bad flag value. */
export function resolveWebhookConfig(file: WebhookConfigFile = {}, flags: WebhookConfigOverrides = {}): WebhookConfig {
  const base = defaultWebhookConfig();
  const merged = parseWebhookConfigFile(
    {
      ...file,
      ...(flags.policy !== undefined ? { policy: flags.policy } : {}),
      ...(flags.maxPodEpc !== undefined ? { maxPodEpc: flags.maxPodEpc } : {}),
      ...(flags.excludedNamespaces !== undefined ? { excludedNamespaces: flags.excludedNamespaces } : {}),
    },
    'flags/config',
  );
  const max = merged.maxPodEpc === undefined || merged.maxPodEpc === null ? undefined : parseByteQuantity(merged.maxPodEpc);
  return {
    resourceNames: { ...base.resourceNames, ...merged.resourceNames },
    excludedNamespaces: merged.excludedNamespaces ?? base.excludedNamespaces,
    policy: merged.policy ?? base.policy,
    maxPodEpcBytes: max && max.ok ? max.bytes : undefined,
    deviceHostPaths: (merged.deviceHostPaths ?? base.deviceHostPaths).map(normalizeHostPath),
    controllerSocketDirs: (merged.controllerSocketDirs ?? base.controllerSocketDirs).map(normalizeHostPath),
    enforcementHostPaths: (merged.enforcementHostPaths ?? base.enforcementHostPaths).map(normalizeHostPath),
  };
}

/** Normalizes an absolute host path: resolves `.`/`..`/`//`, strips a trailing slash. */
export function normalizeHostPath(p: string): string {
  const n = posix.normalize(p);
  return n.length > 1 && n.endsWith('/') ? n.slice(0, -1) : n;
}
