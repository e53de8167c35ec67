/**
 * Self-contained certificate bootstrap for the webhook: needs nothing beyond our image (no
 * cert-manager, no openssl, no extra binary). Run as the webhook pod's init container:
 *
 *   epc webhook cert-bootstrap --namespace NS --secret NAME --service SVC
 *     --webhook-configuration NAME --out-dir /tls [--kubeconfig FILE]
 *
 * 1. get-or-create Secret NAME (type kubernetes.io/tls: ca.crt, ca.key, tls.crt, tls.key) holding
 *    a self-signed CA and a serving cert for `SVC.NS.svc` (+ `.cluster.local`). Replicas starting
 *    together converge: a create that loses the race (409) re-reads the winner's Secret; a renewal
 *    (cert expiring within 30 days, wrong SANs, unreadable) is an update with resourceVersion.
 * 2. writes tls.crt / tls.key / ca.crt into --out-dir (temp name + rename: `epc webhook` polls
 *    and reloads them).
 * 3. sets caBundle on every webhook of the Mutating and Validating configurations named NAME,
 *    waiting for them to exist (helm/kubectl may create them after the Deployment).
 * RBAC it needs (deploy/base/webhook-rbac.yaml): secrets create; secrets get/update on NAME only;
 * mutating/validatingwebhookconfigurations get/patch on NAME only.
 */
import { mkdir, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { AdmissionregistrationV1Api, CoreV1Api, KubeConfig, PatchStrategy, setHeaderOptions, type V1Secret } from '@kubernetes/client-node';
import { describeApiError } from '../k8s/describe-api-error.js';
import type { Logger } from '../util/logger.js';
import type { CERT_BOOTSTRAP_FLAGS } from './cert-bootstrap-flags.js';
import { caUsable, createCa, issueServingCert, servingCertUsable, type PemPair } from './self-signed-pki.js';

/** Options of one bootstrap run. */
export interface CertBootstrapOptions {
  kubeConfig: KubeConfig;
  namespace: string;
  secretName: string;
  serviceName: string;
  /** Name shared by the MutatingWebhookConfiguration and the ValidatingWebhookConfiguration. */
  webhookConfigurationName: string;
  outDir: string;
  /** Renew when a certificate has fewer days left (default 30). */
  renewBeforeDays?: number;
  /** How long to wait for the webhook configurations to appear (default 120 s). */
  waitForConfigurationsMs?: number;
  /** Delay between retries (default 2 s). */
  retryDelayMs?: number;
  logger?: Logger;
}

/** What the run did. */
export interface CertBootstrapResult {
  /** `created` this run made the Secret, `renewed` replaced its content, `reused` took it as is. */
  secret: 'created' | 'renewed' | 'reused';
  /** Configurations whose caBundle was changed (already-correct ones are not patched). */
  patched: string[];
  /** Base64 of the CA certificate PEM (the caBundle value). */
  caBundle: string;
}

const SECRET_ATTEMPTS = 5;

/** Runs the bootstrap once. Throws (with the API's message) when it cannot finish. */
export async function bootstrapWebhookCerts(o: CertBootstrapOptions): Promise<CertBootstrapResult> {
  const core = o.kubeConfig.makeApiClient(CoreV1Api);
  const dnsNames = [`${o.serviceName}.${o.namespace}.svc`, `${o.serviceName}.${o.namespace}.svc.cluster.local`];
  const renewBeforeDays = o.renewBeforeDays ?? 30;
  let outcome: { ca: PemPair; serving: PemPair; secret: CertBootstrapResult['secret'] } | undefined;
  for (let attempt = 1; attempt <= SECRET_ATTEMPTS && !outcome; attempt++) {
    let existing: V1Secret | undefined;
    try {
      existing = await core.readNamespacedSecret({ name: o.secretName, namespace: o.namespace });
    } catch (err) {
      if (describeApiError(err).code !== 404) throw apiError(`read Secret ${o.namespace}/${o.secretName}`, err);
    }
    const current = existing ? pairsOf(existing) : undefined;
    if (current && servingCertUsable(current.ca, current.serving, dnsNames, { minRemainingDays: renewBeforeDays })) {
      outcome = { ...current, secret: 'reused' };
      break;
    }
    // Keep a still-good CA so clients holding the old caBundle keep trusting the new serving cert.
    const ca = current && caUsable(current.ca, { minRemainingDays: renewBeforeDays }) ? current.ca : createCa({ commonName: `${o.serviceName}.${o.namespace} webhook CA` });
    const serving = issueServingCert(ca, { dnsNames });
    const body: V1Secret = {
      apiVersion: 'v1',
      kind: 'Secret',
      type: 'kubernetes.io/tls',
      metadata: { name: o.secretName, namespace: o.namespace, labels: { 'app.kubernetes.io/part-of': 'sgx-epc-enforcer', 'app.kubernetes.io/component': 'webhook' }, ...(existing ? { resourceVersion: existing.metadata?.resourceVersion } : {}) },
      data: { 'ca.crt': b64(ca.cert), 'ca.key': b64(ca.key), 'tls.crt': b64(serving.cert), 'tls.key': b64(serving.key) },
    };
    try {
      if (existing) await core.replaceNamespacedSecret({ name: o.secretName, namespace: o.namespace, body });
      else await core.createNamespacedSecret({ namespace: o.namespace, body });
      outcome = { ca, serving, secret: existing ? 'renewed' : 'created' };
    } catch (err) {
      // 409: another replica created or renewed it first; take theirs on the next round.
      if (describeApiError(err).code !== 409) throw apiError(`${existing ? 'update' : 'create'} Secret ${o.namespace}/${o.secretName}`, err);
      o.logger?.info({ secret: o.secretName, attempt }, 'lost the race for the Secret; re-reading');
    }
  }
  if (!outcome) throw new Error(`Secret ${o.namespace}/${o.secretName}: still conflicting after ${SECRET_ATTEMPTS} attempts`);
  o.logger?.info({ secret: o.secretName, outcome: outcome.secret }, 'webhook certificate ready');

  await mkdir(o.outDir, { recursive: true });
  await writeAtomic(join(o.outDir, 'ca.crt'), outcome.ca.cert, 0o644);
  await writeAtomic(join(o.outDir, 'tls.key'), outcome.serving.key, 0o600);
  await writeAtomic(join(o.outDir, 'tls.crt'), outcome.serving.cert, 0o644);

  const caBundle = b64(outcome.ca.cert);
  const patched = await patchCaBundles(o, caBundle);
  return { secret: outcome.secret, patched, caBundle };
}

async function patchCaBundles(o: CertBootstrapOptions, caBundle: string): Promise<string[]> {
  const adm = o.kubeConfig.makeApiClient(AdmissionregistrationV1Api);
  const jsonPatch = setHeaderOptions('Content-Type', PatchStrategy.JsonPatch);
  const kinds = [
    { kind: 'MutatingWebhookConfiguration', read: () => adm.readMutatingWebhookConfiguration({ name: o.webhookConfigurationName }), patch: (body: unknown) => adm.patchMutatingWebhookConfiguration({ name: o.webhookConfigurationName, body }, jsonPatch) },
    { kind: 'ValidatingWebhookConfiguration', read: () => adm.readValidatingWebhookConfiguration({ name: o.webhookConfigurationName }), patch: (body: unknown) => adm.patchValidatingWebhookConfiguration({ name: o.webhookConfigurationName, body }, jsonPatch) },
  ];
  const deadline = Date.now() + (o.waitForConfigurationsMs ?? 120_000);
  const patched: string[] = [];
  for (const k of kinds) {
    for (;;) {
      try {
        const cfg = await k.read();
        // Each add is guarded by a test of the entry's name: a concurrent reorder of the webhooks
        // fails the patch (HTTP 422 -> error) instead of patching the wrong entry.
        const ops = (cfg.webhooks ?? []).flatMap((w, i) =>
          w.clientConfig?.caBundle === caBundle ? [] : [{ op: 'test', path: `/webhooks/${i}/name`, value: w.name }, { op: 'add', path: `/webhooks/${i}/clientConfig/caBundle`, value: caBundle }]);
        if (ops.length > 0) {
          await k.patch(ops);
          patched.push(`${k.kind}/${o.webhookConfigurationName}`);
        }
        break;
      } catch (err) {
        const info = describeApiError(err);
        if (info.code !== 404 && info.code !== 409) throw apiError(`set caBundle on ${k.kind} ${o.webhookConfigurationName}`, err);
        if (Date.now() >= deadline) throw new Error(`${k.kind} ${o.webhookConfigurationName} did not appear within ${o.waitForConfigurationsMs ?? 120_000} ms`);
        o.logger?.info({ kind: k.kind, name: o.webhookConfigurationName }, 'waiting for the webhook configuration');
        await new Promise((r) => setTimeout(r, o.retryDelayMs ?? 2000));
      }
    }
  }
  return patched;
}

function pairsOf(s: V1Secret): { ca: PemPair; serving: PemPair } | undefined {
  const d = s.data ?? {};
  const get = (k: string) => (d[k] ? Buffer.from(d[k], 'base64').toString('utf8') : undefined);
  const [caCert, caKey, cert, key] = [get('ca.crt'), get('ca.key'), get('tls.crt'), get('tls.key')];
  if (!caCert || !caKey || !cert || !key) return undefined;
  return { ca: { cert: caCert, key: caKey }, serving: { cert, key } };
}

const b64 = (s: string) => Buffer.from(s, 'utf8').toString('base64');

async function writeAtomic(file: string, content: string, mode: number): Promise<void> {
  const tmp = `${file}.${process.pid}.tmp`;
  await writeFile(tmp, content, { mode });
  await rename(tmp, file);
}

function apiError(what: string, err: unknown): Error {
  const i = describeApiError(err);
  return new Error(`${what}: ${i.code ? `HTTP ${i.code}${i.reason ? ` ${i.reason}` : ''}: ` : ''}${i.message}`);
}

/** One bootstrap from flag values (`epc webhook cert-bootstrap`); errors name the flag or the API call. */
export async function runCertBootstrap(values: Partial<Record<keyof typeof CERT_BOOTSTRAP_FLAGS, string>>, logger?: Logger): Promise<CertBootstrapResult> {
  const kubeConfig = new KubeConfig();
  if (values.kubeconfig) kubeConfig.loadFromFile(values.kubeconfig);
  else kubeConfig.loadFromCluster();
  return bootstrapWebhookCerts({
    kubeConfig, namespace: values.namespace!, secretName: values.secret!, serviceName: values.service!, webhookConfigurationName: values['webhook-configuration']!, outDir: values['out-dir']!, logger,
  });
}
