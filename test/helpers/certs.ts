/**
 * Test PKI with the `openssl` CLI: a throwaway CA and serving certificates signed by it, with
 * SANs 127.0.0.1, localhost and `<svc>.<ns>.svc` (what the API server checks for webhooks).
 * EC P-256 keys: generated in milliseconds. Files are written into the caller's temp dir.
 */
import { execFile } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** A CA: its PEM certificate (give it to clients as `ca`) and key files. */
export interface TestCa {
  dir: string;
  certFile: string;
  keyFile: string;
  cert: string;
}

/** A serving certificate signed by a TestCa. */
export interface ServingCert {
  certFile: string;
  keyFile: string;
  cert: string;
  key: string;
}

export interface ServingCertOptions {
  /** File name stem inside the CA's dir (default `tls`): `<name>.crt` / `<name>.key`. */
  name?: string;
  /** Kubernetes Service that fronts the server: adds `<svc>.<ns>.svc` (+ `.cluster.local`). */
  service?: { name: string; namespace: string };
  dnsNames?: string[];
  ipAddresses?: string[];
  /** Validity in days (default 2). */
  days?: number;
}

async function openssl(args: string[]): Promise<void> {
  await run('openssl', args, { timeout: 30_000 });
}

/** Creates a self-signed CA in `dir`. */
export async function createTestCa(dir: string, commonName = 'epc-test-ca'): Promise<TestCa> {
  const certFile = join(dir, 'ca.crt');
  const keyFile = join(dir, 'ca.key');
  await openssl([
    'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes',
    '-keyout', keyFile, '-out', certFile, '-days', '2', '-subj', `/CN=${commonName}`,
    '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign',
  ]);
  return { dir, certFile, keyFile, cert: await readFile(certFile, 'utf8') };
}

/**
 * Issues a serving certificate from `ca` (CN = the first DNS name). Default SANs: 127.0.0.1,
 * localhost, plus the service names when given. Overwrites `<name>.crt/.key` if they exist.
 */
export async function issueServingCert(ca: TestCa, opts: ServingCertOptions = {}): Promise<ServingCert> {
  const name = opts.name ?? 'tls';
  const svc = opts.service ? [`${opts.service.name}.${opts.service.namespace}.svc`, `${opts.service.name}.${opts.service.namespace}.svc.cluster.local`] : [];
  const dns = [...(opts.dnsNames ?? ['localhost']), ...svc];
  const ips = opts.ipAddresses ?? ['127.0.0.1'];
  const keyFile = join(ca.dir, `${name}.key`);
  const csrFile = join(ca.dir, `${name}.csr`);
  const certFile = join(ca.dir, `${name}.crt`);
  const extFile = join(ca.dir, `${name}.ext`);
  const san = [...dns.map((d) => `DNS:${d}`), ...ips.map((i) => `IP:${i}`)].join(',');
  await writeFile(extFile, `subjectAltName=${san}\nbasicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature,keyEncipherment\nextendedKeyUsage=serverAuth\n`);
  await openssl(['req', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', keyFile, '-out', csrFile, '-subj', `/CN=${dns[0] ?? ips[0]}`]);
  await openssl([
    'x509', '-req', '-in', csrFile, '-CA', ca.certFile, '-CAkey', ca.keyFile, '-set_serial', `0x${Date.now().toString(16)}${Math.floor(Math.random() * 1e6).toString(16)}`,
    '-out', certFile, '-days', String(opts.days ?? 2), '-extfile', extFile,
  ]);
  return { certFile, keyFile, cert: await readFile(certFile, 'utf8'), key: await readFile(keyFile, 'utf8') };
}
