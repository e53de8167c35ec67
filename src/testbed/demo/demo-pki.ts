import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createCa, issueServingCert } from '../../webhook/self-signed-pki.js';

/** Name the webhook's serving certificate is issued for (the client connects to 127.0.0.1 and checks this name). */
export const WEBHOOK_TLS_NAME = 'localhost';

/** The run's throwaway PKI: the CA (the admission client trusts only it) and the serving pair files. */
export interface DemoPki {
  caCert: string;
  certFile: string;
  keyFile: string;
}

/**
 * A CA valid for one day and a serving certificate it signs for `localhost`, made with the
 * webhook's own pure-Node issuer (src/webhook/self-signed-pki.ts); files written into `dir` (0600).
 */
export async function createDemoPki(dir: string): Promise<DemoPki> {
  const ca = createCa({ commonName: 'epc-demo-ca', days: 1 });
  const serving = issueServingCert(ca, { dnsNames: [WEBHOOK_TLS_NAME], days: 1 });
  const certFile = join(dir, 'tls.crt');
  const keyFile = join(dir, 'tls.key');
  await writeFile(certFile, serving.cert, { mode: 0o600 });
  await writeFile(keyFile, serving.key, { mode: 0o600 });
  return { caCert: ca.cert, certFile, keyFile };
}
