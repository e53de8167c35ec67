import type { ChildProcess } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestCa, issueServingCert, type ServingCert, type TestCa } from '../helpers/certs.js';
import { runCli, spawnCli } from '../helpers/run-cli.js';
import { fixture, httpsRequest } from './webhook-harness.js';

let dir: string;
let ca: TestCa;
let serving: ServingCert;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'epc-webhook-cli-'));
  ca = await createTestCa(dir);
  serving = await issueServingCert(ca, { service: { name: 'epc-webhook', namespace: 'epc-system' } });
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

function waitForListening(child: ChildProcess): Promise<{ port: number; metricsPort: number }> {
  return new Promise((resolve, reject) => {
    let out = '';
    let err = '';
    child.stderr!.on('data', (d) => (err += d));
    child.stdout!.on('data', (d) => {
      out += d;
      const line = out.split('\n').find((l) => l.includes('"event":"ready"'));
      if (line) {
        const r = JSON.parse(line) as { url: string; port: number; metricsUrl: string; metricsPort: number; policy: string; enclaveRequest: string; enclave: string };
        expect(r.url).toBe(`https://127.0.0.1:${r.port}`);
        expect(r.metricsUrl).toBe(`http://127.0.0.1:${r.metricsPort}/metrics`);
        expect([r.policy, r.enclaveRequest, r.enclave]).toEqual(['strict', 'always', 'enclave request always added']);
        resolve({ port: r.port, metricsPort: r.metricsPort });
      }
    });
    child.on('exit', (code) => reject(new Error(`epc webhook exited with ${code}: ${err}`)));
  });
}

describe('epc webhook (real child process)', () => {
  it('serves with flags + config file, applies both, and stops cleanly on SIGTERM', async () => {
    const config = join(dir, 'webhook.yaml');
    await writeFile(config, 'policy: strict\nexcludedNamespaces: [kube-system, epc-system]\n');
    const child = spawnCli([
      'webhook', '--host', '127.0.0.1', '--port', '0', '--metrics-port', '0', '--tls-cert', serving.certFile, '--tls-key', serving.keyFile,
      '--config', config, '--max-pod-epc', '64Mi', '--tls-poll-interval', '200', '--enclave-request', 'always',
    ]);
    try {
      const { port, metricsPort } = await waitForListening(child);
      const url = `https://127.0.0.1:${port}`;
      const priv = await httpsRequest(`${url}/validate`, { ca: ca.cert, body: await fixture('privileged-sgx.json') });
      expect(priv.json.response.allowed).toBe(false); // policy strict from the file
      const big = await httpsRequest(`${url}/mutate`, { ca: ca.cert, body: await fixture('multi-container.json') });
      expect(big.json.response.status.message).toMatch(/exceeds the per-pod maximum 64Mi/); // flag
      const hello = await httpsRequest(`${url}/mutate`, { ca: ca.cert, body: await fixture('azure-oe-helloworld.json') });
      expect(hello.json.response.allowed).toBe(true);
      expect(hello.json.response.patchType).toBe('JSONPatch');
      const metrics = await (await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).text();
      expect(metrics).toMatch(/epc_webhook_decisions_total\{endpoint="validate",rule="privileged",result="denied"\} 1/);
    } finally {
      const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
      child.kill('SIGTERM');
      expect(await exited).toBe(0);
    }
  });

  const bad: Array<[string, () => string[], RegExp]> = [
    ['a config file with an unknown field', () => ['--config', join(dir, 'bad.yaml')], /bad configuration: .*bad\.yaml: maxPodEPC: Unrecognized key/],
    ['a config file with a bad quantity', () => ['--config', join(dir, 'bad-qty.yaml')], /bad configuration: .*bad-qty\.yaml: maxPodEpc: quantity "ten megs" is not a valid quantity/],
    ['a missing config file', () => ['--config', join(dir, 'absent.yaml')], /absent\.yaml: cannot read/],
    ['a bad --policy', () => ['--policy', 'lenient'], /option '--policy <mode>' argument 'lenient' is invalid/],
    ['a bad --port', () => ['--port', '99999'], /--port: must be a port number/],
    ['a bad --max-pod-epc', () => ['--max-pod-epc', '0'], /--max-pod-epc: quantity "0" is zero/],
    ['an unreadable certificate', () => ['--tls-cert', join(dir, 'missing.crt')], /cannot start: cannot read .*missing\.crt/],
  ];
  for (const [name, extra, message] of bad) {
    it(`exits 2 on ${name}, naming it`, async () => {
      await writeFile(join(dir, 'bad.yaml'), 'maxPodEPC: 10Mi\n');
      await writeFile(join(dir, 'bad-qty.yaml'), 'maxPodEpc: ten megs\n');
      const args = ['webhook', '--host', '127.0.0.1', '--port', '0', '--metrics-port', '0', '--tls-cert', serving.certFile, '--tls-key', serving.keyFile, '--enclave-request', 'always'];
      const r = await runCli([...args, ...extra()]); // a repeated flag: the later value wins
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(message);
    });
  }

  it('exits 2 on a bad --exclude-namespace, naming the flag and the value', async () => {
    const r = await runCli(['webhook', '--tls-cert', serving.certFile, '--tls-key', serving.keyFile, '--exclude-namespace', 'kube-system', 'Bad_NS']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--exclude-namespace \("Bad_NS"\): must be a DNS label/);
  });

  it('cert-bootstrap exits 2 naming every missing flag (a ConfigError), before any API access', async () => {
    const r = await runCli(['webhook', 'cert-bootstrap', '--namespace', 'epc-system', '--kubeconfig', join(dir, 'absent-kubeconfig')]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^epc: cert-bootstrap: missing --secret, --service, --webhook-configuration, --out-dir\n/);
  });

  it('exits 2 without --tls-cert', async () => {
    const r = await runCli(['webhook', '--tls-key', serving.keyFile]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/required option '--tls-cert <file>' not specified/);
  });
});
