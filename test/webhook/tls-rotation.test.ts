import { X509Certificate } from 'node:crypto';
import { rename, writeFile } from 'node:fs/promises';
import { Agent } from 'node:https';
import { afterEach, describe, expect, it } from 'vitest';
import { issueServingCert } from '../helpers/certs.js';
import { fixture, httpsRequest, startTestWebhook, type TestWebhook } from './webhook-harness.js';

let hook: TestWebhook | undefined;
afterEach(async () => {
  await hook?.close();
  hook = undefined;
});

const fingerprint = (pem: string) => new X509Certificate(pem).fingerprint256;

/** Replaces a file atomically, as a Secret volume update or cert-manager does. */
async function replace(file: string, content: string): Promise<void> {
  await writeFile(`${file}.tmp`, content);
  await rename(`${file}.tmp`, file);
}

/** What a brand-new connection is served. */
async function servedFingerprint(h: TestWebhook): Promise<string | undefined> {
  return (await httpsRequest(h.url + '/healthz', { ca: h.ca.cert, agent: new Agent({ keepAlive: false }) })).peerCert;
}

async function until(what: string, check: () => Promise<boolean>, timeoutMs = 15_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('serving certificate rotation', () => {
  it('keeps answering during rotation; new connections get the new cert, open ones carry on', async () => {
    hook = await startTestWebhook({ tlsPollIntervalMs: 100 });
    const h = hook;
    const oldPrint = fingerprint(h.serving.cert);
    expect(await servedFingerprint(h)).toBe(oldPrint);
    const review = await fixture('multi-container.json');
    const keepAlive = new Agent({ keepAlive: true, maxSockets: 4 });
    const statuses: number[] = [];
    const errors: unknown[] = [];
    let running = true;
    const worker = async () => {
      while (running) {
        try {
          statuses.push((await httpsRequest(h.url + '/mutate', { ca: h.ca.cert, body: review, agent: keepAlive })).status);
        } catch (err) {
          errors.push(err);
        }
        // Some fresh connections too, so handshakes happen while the files change.
        try {
          statuses.push((await httpsRequest(h.url + '/validate', { ca: h.ca.cert, body: review, agent: new Agent({ keepAlive: false }) })).status);
        } catch (err) {
          errors.push(err);
        }
      }
    };
    const workers = [worker(), worker(), worker(), worker()];
    await new Promise((r) => setTimeout(r, 200));
    // New key pair from the same CA; cert lands first, key a moment later (a mismatched pair in between).
    const next = await issueServingCert(h.ca, { name: 'next' });
    await replace(h.serving.certFile, next.cert);
    await new Promise((r) => setTimeout(r, 300));
    await replace(h.serving.keyFile, next.key);
    const newPrint = fingerprint(next.cert);
    await until('the new certificate to be served', async () => (await servedFingerprint(h)) === newPrint);
    await new Promise((r) => setTimeout(r, 200));
    running = false;
    await Promise.all(workers);
    // A connection opened before the rotation is still alive and still on the old certificate.
    const reused = await httpsRequest(h.url + '/mutate', { ca: h.ca.cert, body: review, agent: keepAlive });
    expect(reused.status).toBe(200);
    expect(reused.peerCert).toBe(oldPrint);
    keepAlive.destroy();
    expect(errors).toEqual([]);
    expect(statuses.length).toBeGreaterThan(20);
    expect(statuses.every((s) => s === 200)).toBe(true);
    const metrics = await (await fetch(h.metricsUrl)).text();
    expect(metrics).toMatch(/epc_webhook_tls_reloads_total\{result="ok"\} [1-9]/);
  });

  it('a broken certificate file is not loaded: the old one stays until a good pair appears', async () => {
    hook = await startTestWebhook({ tlsPollIntervalMs: 50 });
    const h = hook;
    const oldPrint = fingerprint(h.serving.cert);
    await replace(h.serving.certFile, '-----BEGIN CERTIFICATE-----\nnot a cert\n-----END CERTIFICATE-----\n');
    await until('the reload error to be counted', async () => /epc_webhook_tls_reloads_total\{result="error"\} [1-9]/.test(await (await fetch(h.metricsUrl)).text()));
    expect(await servedFingerprint(h)).toBe(oldPrint);
    expect((await h.post('/mutate', await fixture('azure-oe-helloworld.json'))).status).toBe(200);
    await replace(h.serving.certFile, h.serving.cert);
    const next = await issueServingCert(h.ca, { name: 'fixed' });
    await replace(h.serving.keyFile, next.key);
    await replace(h.serving.certFile, next.cert);
    await until('the fixed certificate to be served', async () => (await servedFingerprint(h)) === fingerprint(next.cert));
  });
});
