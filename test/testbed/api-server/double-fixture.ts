/** Shared setup: a started ApiServerDouble and a client-node CoreV1Api loaded from a kubeconfig FILE. */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CoreV1Api, KubeConfig } from '@kubernetes/client-node';
import { ApiServerDouble, type ApiServerDoubleOptions } from '../../../src/testbed/api-server/api-server-double.js';

export interface DoubleFixture {
  double: ApiServerDouble;
  kc: KubeConfig;
  core: CoreV1Api;
  kubeconfigPath: string;
  close(): Promise<void>;
}

export async function startDouble(options: ApiServerDoubleOptions = {}): Promise<DoubleFixture> {
  const double = new ApiServerDouble(options);
  await double.start();
  const dir = await mkdtemp(join(tmpdir(), 'epc-apidouble-'));
  const kubeconfigPath = join(dir, 'kubeconfig');
  await double.writeKubeconfig(kubeconfigPath);
  const kc = new KubeConfig();
  kc.loadFromFile(kubeconfigPath);
  return {
    double,
    kc,
    core: kc.makeApiClient(CoreV1Api),
    kubeconfigPath,
    async close() {
      await double.stop();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** A minimal valid pod. */
export function podSpec(name: string, opts: { namespace?: string; nodeName?: string; labels?: Record<string, string>; epc?: string } = {}): any {
  return {
    metadata: { name, ...(opts.namespace ? { namespace: opts.namespace } : {}), ...(opts.labels ? { labels: opts.labels } : {}) },
    spec: {
      ...(opts.nodeName ? { nodeName: opts.nodeName } : {}),
      containers: [{ name: 'app', image: 'busybox', ...(opts.epc ? { resources: { limits: { 'sgx.intel.com/epc': opts.epc } } } : {}) }],
    },
  };
}

/** The Status object inside a client-node ApiException (its body is the raw JSON text). */
export function statusOf(err: unknown): any {
  const body = (err as { body?: unknown }).body;
  return typeof body === 'string' ? JSON.parse(body) : body;
}

/** Waits until `cond()` is true (polling), failing with `what` after `timeoutMs`. */
export async function until(cond: () => boolean, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}
