/**
 * Test harness: a real HTTPS webhook (startWebhookServer) with a CA and serving cert made in a
 * temp dir, and a client that trusts only that CA.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { Agent, request } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { resolveWebhookConfig, startWebhookServer, type EnclaveOffers, type WebhookConfigFile, type WebhookServer } from '../../src/webhook/index.js';
import { createTestCa, issueServingCert, type ServingCert, type TestCa } from '../helpers/certs.js';

export interface HttpResult {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
  json?: any;
}

/** POSTs `body` (string or JSON value) over HTTPS trusting `ca`. */
export function httpsRequest(url: string, opts: { ca: string; method?: string; body?: unknown; agent?: Agent; servername?: string }): Promise<HttpResult & { peerCert?: string }> {
  return new Promise((resolve, reject) => {
    const payload = opts.body === undefined ? undefined : typeof opts.body === 'string' || Buffer.isBuffer(opts.body) ? opts.body : JSON.stringify(opts.body);
    const req = request(url, { method: opts.method ?? (payload !== undefined ? 'POST' : 'GET'), ca: opts.ca, agent: opts.agent, servername: opts.servername, headers: payload !== undefined ? { 'content-type': 'application/json' } : {} }, (res) => {
      const chunks: Buffer[] = [];
      const peer = (res.socket as import('node:tls').TLSSocket).getPeerCertificate?.();
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        let json: unknown;
        try {
          json = JSON.parse(text);
        } catch {
          json = undefined;
        }
        resolve({ status: res.statusCode ?? 0, headers: res.headers, text, json, peerCert: peer?.fingerprint256 });
      });
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(payload);
  });
}

/** A running webhook with its PKI; `close()` stops it and removes the temp dir. */
export interface TestWebhook {
  dir: string;
  ca: TestCa;
  serving: ServingCert;
  server: WebhookServer;
  url: string;
  metricsUrl: string;
  post(path: string, body: unknown): Promise<HttpResult>;
  close(): Promise<void>;
}

/** Starts a webhook on 127.0.0.1 with a fresh CA. */
export async function startTestWebhook(opts: { config?: WebhookConfigFile; tlsPollIntervalMs?: number; fastPath?: boolean; offers?: EnclaveOffers } = {}): Promise<TestWebhook> {
  const dir = await mkdtemp(join(tmpdir(), 'epc-webhook-'));
  const ca = await createTestCa(dir);
  const serving = await issueServingCert(ca, { service: { name: 'epc-webhook', namespace: 'epc-system' } });
  const server = await startWebhookServer({
    config: resolveWebhookConfig(opts.config ?? {}),
    host: '127.0.0.1',
    port: 0,
    metricsPort: 0,
    tlsCertFile: serving.certFile,
    tlsKeyFile: serving.keyFile,
    tlsPollIntervalMs: opts.tlsPollIntervalMs ?? 100,
    stopGraceMs: 500,
    fastPath: opts.fastPath,
    offers: opts.offers,
  });
  const url = `https://127.0.0.1:${server.port}`;
  return {
    dir, ca, serving, server, url,
    metricsUrl: `http://127.0.0.1:${server.metricsPort}/metrics`,
    post: (path, body) => httpsRequest(url + path, { ca: ca.cert, body }),
    close: async () => {
      await server.stop();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** Reads a recorded fixture (JSON) from test/webhook/fixtures. */
export async function fixture(name: string): Promise<any> {
  return JSON.parse(await readFile(new URL(`./fixtures/${name}`, import.meta.url), 'utf8'));
}
