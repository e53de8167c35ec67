import { randomUUID } from 'node:crypto';
import { request } from 'node:https';
import { applyJsonPatch } from '../api-server/patches.js';

/** Per-call deadline, like `timeoutSeconds` of a webhook configuration. */
export const ADMISSION_TIMEOUT_MS = 10_000;

/** What the webhook answered for one pod. */
export interface AdmissionOutcome {
  /** The pod after the mutating webhook's JSON patch (the API server applies it the same way). */
  pod: Record<string, any>;
  /** JSON Patch operations /mutate returned. */
  patch: unknown[];
  warnings: string[];
}

/** Where the webhook listens: `https://127.0.0.1:PORT`, the CA to trust, the name its certificate carries. */
export interface WebhookTarget {
  baseUrl: string;
  ca: string;
  servername: string;
}

/** A pod the webhook denied, or a reply the API server would reject ("failed calling webhook"). */
export class AdmissionDenied extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'AdmissionDenied';
  }
}

function postReview(url: string, ca: string, servername: string, body: object): Promise<any> {
  return new Promise((resolve, reject) => {
    const data = Buffer.from(JSON.stringify(body));
    const req = request(url, { method: 'POST', ca, servername, agent: false, headers: { 'content-type': 'application/json', 'content-length': data.length }, timeout: ADMISSION_TIMEOUT_MS }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        if (res.statusCode !== 200) return reject(new AdmissionDenied(`failed calling webhook ${url}: HTTP ${res.statusCode}: ${text.slice(0, 200)}`));
        try {
          resolve(JSON.parse(text));
        } catch {
          reject(new AdmissionDenied(`failed calling webhook ${url}: reply is not JSON`));
        }
      });
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error(`failed calling webhook ${url}: timed out after ${ADMISSION_TIMEOUT_MS} ms`)));
    req.on('error', reject);
    req.end(data);
  });
}

async function review(opts: WebhookTarget, path: '/mutate' | '/validate', pod: Record<string, any>): Promise<{ patch: unknown[]; warnings: string[] }> {
  const uid = randomUUID();
  const ns = pod.metadata?.namespace ?? 'default';
  const reply = await postReview(`${opts.baseUrl}${path}`, opts.ca, opts.servername, {
    apiVersion: 'admission.k8s.io/v1', kind: 'AdmissionReview',
    request: {
      uid, kind: { group: '', version: 'v1', kind: 'Pod' }, resource: { group: '', version: 'v1', resource: 'pods' },
      requestKind: { group: '', version: 'v1', kind: 'Pod' }, requestResource: { group: '', version: 'v1', resource: 'pods' },
      name: pod.metadata?.name ?? '', namespace: ns, operation: 'CREATE',
      userInfo: { username: 'system:serviceaccount:epc-demo:demo', groups: ['system:authenticated'] },
      object: pod, oldObject: null, dryRun: false, options: { apiVersion: 'meta.k8s.io/v1', kind: 'CreateOptions' },
    },
  });
  // The checks the API server makes on a reply.
  const r = reply?.response;
  if (reply?.kind !== 'AdmissionReview' || reply?.apiVersion !== 'admission.k8s.io/v1' || !r || r.uid !== uid) throw new AdmissionDenied(`failed calling webhook ${path}: malformed AdmissionReview reply`);
  if (!r.allowed) throw new AdmissionDenied(`admission webhook ${path} denied the request: ${r.status?.message ?? 'no reason given'}`);
  if ((r.patch === undefined) !== (r.patchType === undefined)) throw new AdmissionDenied(`failed calling webhook ${path}: patch and patchType must come together`);
  if (path === '/validate' && r.patch !== undefined) throw new AdmissionDenied('failed calling webhook /validate: a validating webhook returned a patch');
  const patch = r.patch === undefined ? [] : JSON.parse(Buffer.from(r.patch, 'base64').toString('utf8'));
  return { patch, warnings: Array.isArray(r.warnings) ? r.warnings : [] };
}

/**
 * Submits a pod CREATE through the admission webhook the way the API server does: the mutating
 * call (/mutate) over HTTPS trusting `ca`, its JSON patch applied, then the validating call
 * (/validate) on the mutated pod. Resolves with the pod to store; rejects with `AdmissionDenied`.
 */
export async function admitThroughWebhook(target: WebhookTarget, input: Record<string, any>): Promise<AdmissionOutcome> {
  const m = await review(target, '/mutate', input);
  const pod = m.patch.length > 0 ? applyJsonPatch(input, m.patch) : structuredClone(input);
  const v = await review(target, '/validate', pod);
  return { pod, patch: m.patch, warnings: [...m.warnings, ...v.warnings] };
}
