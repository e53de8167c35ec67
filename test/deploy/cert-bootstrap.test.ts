/**
 * The webhook's self-contained certificate bootstrap against a loopback API server through
 * client-node, and its certificates used for real TLS. Also its command-line entry as a real
 * child process.
 */
import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { request as httpsRequest, createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { bootstrapWebhookCerts, type CertBootstrapOptions } from '../../src/webhook/cert-bootstrap.js';
import { createCa, issueServingCert, servingCertUsable } from '../../src/webhook/self-signed-pki.js';
import { packageRoot } from '../../src/util/package-root.js';
import { CLI_NODE_ARGS } from '../helpers/run-cli.js';
import { CertApiDouble } from './cert-api-double.js';

const NS = 'sgx-epc-webhook';
const SECRET = 'sgx-epc-enforcer-webhook-tls';
const SVC = 'sgx-epc-enforcer-webhook';
const CFG = 'sgx-epc-enforcer';
const DNS = `${SVC}.${NS}.svc`;

let api: CertApiDouble;
let dir: string;

function addConfigurations(): void {
  const hook = (name: string, path: string) => ({ name, sideEffects: 'None', admissionReviewVersions: ['v1'], clientConfig: { service: { name: SVC, namespace: NS, path, port: 443 } } });
  api.put(CertApiDouble.configPath('mutating', CFG), { apiVersion: 'admissionregistration.k8s.io/v1', kind: 'MutatingWebhookConfiguration', metadata: { name: CFG }, webhooks: [hook('mutate.sgx-epc-enforcer.io', '/mutate')] });
  api.put(CertApiDouble.configPath('validating', CFG), { apiVersion: 'admissionregistration.k8s.io/v1', kind: 'ValidatingWebhookConfiguration', metadata: { name: CFG }, webhooks: [hook('validate.sgx-epc-enforcer.io', '/validate'), hook('validate2.sgx-epc-enforcer.io', '/validate')] });
}

function options(sub: string, extra: Partial<CertBootstrapOptions> = {}): CertBootstrapOptions {
  return { kubeConfig: api.kubeConfig(), namespace: NS, secretName: SECRET, serviceName: SVC, webhookConfigurationName: CFG, outDir: join(dir, sub), retryDelayMs: 20, waitForConfigurationsMs: 2000, ...extra };
}

const caBundles = () => [
  ...api.objects.get(CertApiDouble.configPath('mutating', CFG))!.webhooks,
  ...api.objects.get(CertApiDouble.configPath('validating', CFG))!.webhooks,
].map((w: { clientConfig: { caBundle?: string } }) => w.clientConfig.caBundle);

const secretData = () => api.objects.get(CertApiDouble.secretPath(NS, SECRET))?.data as Record<string, string> | undefined;
const decode = (b: string) => Buffer.from(b, 'base64').toString('utf8');

beforeEach(async () => {
  api = new CertApiDouble();
  await api.start();
  dir = await mkdtemp(join(tmpdir(), 'epc-certs-'));
});

afterEach(async () => {
  await api.stop();
  await rm(dir, { recursive: true, force: true });
});

describe('bootstrapWebhookCerts', () => {
  it('creates the Secret, writes the files and sets caBundle on every webhook', async () => {
    addConfigurations();
    const r = await bootstrapWebhookCerts(options('a'));
    expect(r.secret).toBe('created');
    expect(r.patched).toEqual([`MutatingWebhookConfiguration/${CFG}`, `ValidatingWebhookConfiguration/${CFG}`]);
    expect(caBundles()).toEqual([r.caBundle, r.caBundle, r.caBundle]);
    const data = secretData()!;
    expect(Object.keys(data).sort()).toEqual(['ca.crt', 'ca.key', 'tls.crt', 'tls.key']);
    expect(api.objects.get(CertApiDouble.secretPath(NS, SECRET))!.type).toBe('kubernetes.io/tls');
    expect(await readFile(join(dir, 'a/tls.crt'), 'utf8')).toBe(decode(data['tls.crt']));
    expect(await readFile(join(dir, 'a/tls.key'), 'utf8')).toBe(decode(data['tls.key']));
    expect(decode(r.caBundle)).toBe(decode(data['ca.crt']));
  });

  it('serves real TLS that a client trusting only caBundle accepts for <svc>.<ns>.svc', async () => {
    addConfigurations();
    const r = await bootstrapWebhookCerts(options('a'));
    const server = createHttpsServer({ cert: await readFile(join(dir, 'a/tls.crt')), key: await readFile(join(dir, 'a/tls.key')) }, (_q, s) => s.end('ok'));
    await new Promise<void>((res) => server.listen(0, '127.0.0.1', res));
    try {
      const port = (server.address() as AddressInfo).port;
      const get = (servername: string) => new Promise<string>((resolve, reject) => {
        const req = httpsRequest({ host: '127.0.0.1', port, servername, ca: decode(r.caBundle), path: '/', agent: false }, (res) => {
          let b = '';
          res.on('data', (d) => (b += d));
          res.on('end', () => resolve(b));
        });
        req.on('error', reject);
        req.end();
      });
      expect(await get(DNS)).toBe('ok');
      expect(await get(`${DNS}.cluster.local`)).toBe('ok');
      await expect(get('other.example.com')).rejects.toThrow(/altnames|Hostname/);
    } finally {
      await new Promise<void>((res) => server.close(() => res()));
    }
  });

  it('a second replica reuses the Secret and changes nothing', async () => {
    addConfigurations();
    const first = await bootstrapWebhookCerts(options('a'));
    const rv = api.objects.get(CertApiDouble.secretPath(NS, SECRET))!.metadata.resourceVersion;
    const second = await bootstrapWebhookCerts(options('b'));
    expect(second).toEqual({ secret: 'reused', patched: [], caBundle: first.caBundle });
    expect(api.objects.get(CertApiDouble.secretPath(NS, SECRET))!.metadata.resourceVersion).toBe(rv);
    expect(await readFile(join(dir, 'b/tls.crt'), 'utf8')).toBe(await readFile(join(dir, 'a/tls.crt'), 'utf8'));
  });

  it('two replicas starting together converge on one Secret', async () => {
    addConfigurations();
    const [a, b] = await Promise.all([bootstrapWebhookCerts(options('a')), bootstrapWebhookCerts(options('b'))]);
    expect([a.secret, b.secret].sort()).toEqual(['created', 'reused']);
    expect(a.caBundle).toBe(b.caBundle);
    expect(await readFile(join(dir, 'a/tls.key'), 'utf8')).toBe(await readFile(join(dir, 'b/tls.key'), 'utf8'));
    expect(caBundles().every((c) => c === a.caBundle)).toBe(true);
  });

  it('renews an expiring serving cert under the same CA (caBundle unchanged)', async () => {
    addConfigurations();
    const ca = createCa({ commonName: 'old-ca' });
    const old = issueServingCert(ca, { dnsNames: [DNS, `${DNS}.cluster.local`], days: 10 });
    const b64 = (s: string) => Buffer.from(s).toString('base64');
    api.put(CertApiDouble.secretPath(NS, SECRET), { apiVersion: 'v1', kind: 'Secret', metadata: { name: SECRET, namespace: NS }, type: 'kubernetes.io/tls', data: { 'ca.crt': b64(ca.cert), 'ca.key': b64(ca.key), 'tls.crt': b64(old.cert), 'tls.key': b64(old.key) } });
    const r = await bootstrapWebhookCerts(options('a'));
    expect(r.secret).toBe('renewed');
    expect(decode(r.caBundle)).toBe(ca.cert);
    const data = secretData()!;
    expect(decode(data['tls.crt'])).not.toBe(old.cert);
    expect(servingCertUsable(ca, { cert: decode(data['tls.crt']), key: decode(data['tls.key']) }, [DNS], { minRemainingDays: 300 })).toBe(true);
  });

  it('replaces a Secret with garbage or a cert for another service', async () => {
    addConfigurations();
    const ca = createCa({ commonName: 'ca' });
    const wrong = issueServingCert(ca, { dnsNames: ['other.ns.svc'] });
    const b64 = (s: string) => Buffer.from(s).toString('base64');
    api.put(CertApiDouble.secretPath(NS, SECRET), { apiVersion: 'v1', kind: 'Secret', metadata: { name: SECRET, namespace: NS }, data: { 'ca.crt': b64(ca.cert), 'ca.key': b64(ca.key), 'tls.crt': b64(wrong.cert), 'tls.key': b64(wrong.key) } });
    expect((await bootstrapWebhookCerts(options('a'))).secret).toBe('renewed');
    api.put(CertApiDouble.secretPath(NS, SECRET), { apiVersion: 'v1', kind: 'Secret', metadata: { name: SECRET, namespace: NS }, data: { 'tls.crt': b64('not a cert') } });
    const r = await bootstrapWebhookCerts(options('b'));
    expect(r.secret).toBe('renewed');
    expect(caBundles().every((c) => c === r.caBundle)).toBe(true);
  });

  it('waits for webhook configurations created after it started', async () => {
    const run = bootstrapWebhookCerts(options('a'));
    // Create them only once the bootstrap has looked and missed (no timing guess: under load the
    // certificate work before the first look can take longer than any fixed delay).
    while (!api.answered.some((q) => q.startsWith('404 GET /apis/'))) await new Promise((r) => setTimeout(r, 5));
    addConfigurations();
    const r = await run;
    expect(r.patched).toHaveLength(2);
    expect(api.requests.filter((q) => q.startsWith('GET /apis/')).length).toBeGreaterThan(2);
  });

  it('fails naming the configuration when it never appears', async () => {
    await expect(bootstrapWebhookCerts(options('a', { waitForConfigurationsMs: 100 }))).rejects.toThrow(`MutatingWebhookConfiguration ${CFG} did not appear`);
  });

  it('fails naming the Secret and the status when RBAC forbids it', async () => {
    addConfigurations();
    api.forbid = /secrets/;
    await expect(bootstrapWebhookCerts(options('a'))).rejects.toThrow(/read Secret sgx-epc-webhook\/sgx-epc-enforcer-webhook-tls: HTTP 403/);
  });
});

describe('epc webhook cert-bootstrap (real child process)', () => {
  const runEntry = (args: string[]) => new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve, reject) => {
    const child = spawn(process.execPath, [...CLI_NODE_ARGS, 'webhook', 'cert-bootstrap', ...args], { cwd: packageRoot(), env: { ...process.env, EPC_LOG_LEVEL: 'silent' }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });

  it('runs the bootstrap and prints a ready line', async () => {
    addConfigurations();
    const kc = join(dir, 'kubeconfig');
    await writeFile(kc, api.kubeconfigYaml());
    const r = await runEntry([`--kubeconfig=${kc}`, `--namespace=${NS}`, `--secret=${SECRET}`, `--service=${SVC}`, `--webhook-configuration=${CFG}`, `--out-dir=${join(dir, 'out')}`]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ event: 'ready', secret: 'created' });
    expect(await readFile(join(dir, 'out/tls.crt'), 'utf8')).toContain('BEGIN CERTIFICATE');
  });

  it.each([
    { name: 'missing flags', args: ['--namespace=x'], stderr: /missing --secret, --service, --webhook-configuration, --out-dir/ },
    { name: 'unknown flag', args: ['--namespace=x', '--bogus=1'], stderr: /bogus/ },
  ])('exits 2 on $name', async ({ args, stderr }) => {
    const r = await runEntry(args);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(stderr);
  });
});
