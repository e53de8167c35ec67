/**
 * kind e2e (`npm run e2e:kind`): a real cluster with a simulated SGX worker. Builds and loads the
 * image, installs the model overlay (test/e2e/kustomization.yaml), then checks the flows:
 * EPC on the Node; an EPC pod gets the enclave device and its limit; a pod reaching SGX without
 * EPC is denied; only the noisy of two `epc workload` pods pages (agent metrics); the agent
 * survives a kubelet restart inside the node container.
 * Skips itself, printing why, where `docker info` or `kind` fails (e.g. our CI: no Docker engine).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { E2E_NS as NS, ENCLAVE, EPC, SNEAKY_PODS, workloadPod } from './e2e-pods.js';
import { eventually, KindCluster, kindPreflight, metricValue, WORKER_NODE } from './kind-harness.js';

const skipReason = await kindPreflight();
if (skipReason) console.log(`[e2e:kind] skipping the kind suite: ${skipReason}`);

const AGENT_NS = 'sgx-epc-system';
const WEBHOOK_NS = 'sgx-epc-webhook';
const AGENT_METRICS_PORT = 9102;
const MI = 1024 * 1024;

describe.skipIf(Boolean(skipReason))('kind e2e: model overlay on a simulated SGX node', () => {
  const cluster = new KindCluster();

  const apply = (obj: object) => cluster.kubectl(['apply', '-f', '-'], { input: stringify(obj) });
  const agentPod = async (): Promise<{ name: string; restarts: number; ready: boolean }> => {
    const list = await cluster.getJson(['pods', '-n', AGENT_NS, '-l', 'app.kubernetes.io/component=agent', '--field-selector', `spec.nodeName=${WORKER_NODE}`]);
    const p = list.items[0];
    if (!p) throw new Error('no agent pod on the worker');
    const statuses = (p.status.containerStatuses ?? []) as Array<{ restartCount: number; ready: boolean }>;
    return { name: p.metadata.name, restarts: statuses.reduce((n, c) => n + c.restartCount, 0), ready: statuses.length > 0 && statuses.every((c) => c.ready) };
  };
  const agentMetric = async (metric: string, pod: string) => metricValue(await cluster.podMetrics(AGENT_NS, (await agentPod()).name, AGENT_METRICS_PORT), metric, { namespace: NS, pod });
  const podPhase = async (name: string) => (await cluster.getJson(['pod', '-n', NS, name])).status.phase as string;
  const workloadReport = async (name: string) => JSON.parse((await cluster.k(['logs', '-n', NS, name])).trim().split('\n').at(-1)!);

  beforeAll(async () => {
    await cluster.up();
    await cluster.buildAndLoadImage();
    await cluster.k(['apply', '-k', 'test/e2e'], { timeoutMs: 120_000 });
    await cluster.k(['-n', AGENT_NS, 'rollout', 'status', 'daemonset/sgx-epc-enforcer-agent', '--timeout=300s'], { timeoutMs: 320_000 });
    await cluster.k(['-n', WEBHOOK_NS, 'rollout', 'status', 'deployment/sgx-epc-enforcer-webhook', '--timeout=300s'], { timeoutMs: 320_000 });
    await eventually('caBundle on both webhook configurations', async () => {
      const m = await cluster.getJson(['mutatingwebhookconfiguration', 'sgx-epc-enforcer']);
      const v = await cluster.getJson(['validatingwebhookconfiguration', 'sgx-epc-enforcer']);
      return [...m.webhooks, ...v.webhooks].every((w: { clientConfig: { caBundle?: string } }) => w.clientConfig.caBundle);
    });
    await cluster.k(['create', 'namespace', NS]);
  });

  afterAll(async () => {
    await cluster.down();
  });

  it('advertises EPC and enclave slots on the Node', async () => {
    const node = await eventually('sgx.intel.com/epc on the worker', async () => {
      const n = await cluster.getJson(['node', WORKER_NODE]);
      return n.status.allocatable?.[EPC] ? n : undefined;
    });
    expect(Number(node.status.allocatable[EPC])).toBe(256 * MI);
    expect(Number(node.status.allocatable[ENCLAVE])).toBeGreaterThan(0);
    // The webhook adds the enclave request only once its Node watch sees a Node offering it:
    // every replica must see it before the EPC pod below is created.
    await eventually('every webhook replica sees a Node offering the enclave resource', async () => {
      const pods = (await cluster.getJson(['pods', '-n', WEBHOOK_NS, '-l', 'app.kubernetes.io/component=webhook'])).items as Array<{ metadata: { name: string } }>;
      if (pods.length === 0) return undefined;
      for (const p of pods) {
        const n = metricValue(await cluster.podMetrics(WEBHOOK_NS, p.metadata.name, 9090), 'epc_webhook_nodes_offering_enclave', {});
        if (!(n !== undefined && n >= 1)) return undefined;
      }
      return true;
    });
  });

  it('gives a pod requesting EPC the enclave device and a limit equal to its request', async () => {
    const r = await apply(workloadPod('epc-small', { epc: '16Mi', enclaveSize: '8Mi', workingSet: '4Mi', duration: '60s' }));
    expect(r).toMatchObject({ code: 0 });
    const pod = await cluster.getJson(['pod', '-n', NS, 'epc-small']);
    expect(pod.spec.containers[0].resources.limits[ENCLAVE]).toBe('1');
    expect(pod.metadata.annotations?.[EPC]).toBe('16Mi');
    await eventually('epc-small running', async () => (await podPhase('epc-small')) === 'Running');
    const limit = await eventually('epc_pod_limit_bytes for epc-small', () => agentMetric('epc_pod_limit_bytes', 'epc-small'));
    expect(limit).toBe(16 * MI);
    const env = await cluster.k(['exec', '-n', NS, 'epc-small', '--', '/nodejs/bin/node', '-e', 'console.log(process.env.EPC_ENCLAVE_SOCKET ?? "", process.env.EPC_ENCLAVE_SLOT ?? "")']);
    expect(env.trim()).toMatch(/^\/var\/run\/epc\/enclave\.sock enclave-\d+$/);
    await cluster.k(['delete', 'pod', '-n', NS, 'epc-small', '--wait=false']);
  });

  it('denies pods reaching SGX without declaring EPC', async () => {
    for (const pod of SNEAKY_PODS) {
      const r = await apply(pod);
      expect({ pod: pod.metadata.name, code: r.code }).not.toEqual({ pod: pod.metadata.name, code: 0 });
      expect(r.stderr).toMatch(/admission webhook "validate\.sgx-epc-enforcer\.io" denied the request/);
    }
  });

  it('pages only the noisy pod when a noisy and a quiet pod share the node', async () => {
    expect((await apply(workloadPod('quiet', { epc: '32Mi', enclaveSize: '16Mi', workingSet: '12Mi', duration: '40s' }))).code).toBe(0);
    expect((await apply(workloadPod('noisy', { epc: '32Mi', enclaveSize: '96Mi', workingSet: '80Mi', duration: '40s' }))).code).toBe(0);
    await eventually('quiet and noisy running', async () => (await podPhase('quiet')) === 'Running' && (await podPhase('noisy')) === 'Running');
    const noisyEvicted = await eventually('noisy pod evictions in the agent metrics', async () => {
      const v = await agentMetric('epc_pod_evicted_pages_total', 'noisy');
      return v !== undefined && v > 0 ? v : undefined;
    }, { timeoutMs: 60_000 });
    expect(noisyEvicted).toBeGreaterThan(0);
    expect((await agentMetric('epc_pod_evicted_pages_total', 'quiet')) ?? 0).toBe(0);
    await eventually('both workloads done', async () => ['Succeeded', 'Failed'].includes(await podPhase('quiet')) && ['Succeeded', 'Failed'].includes(await podPhase('noisy')), { timeoutMs: 120_000 });
    const [quiet, noisy] = [await workloadReport('quiet'), await workloadReport('noisy')];
    expect({ quiet: quiet.stoppedBy, noisy: noisy.stoppedBy }).toEqual({ quiet: 'duration', noisy: 'duration' });
    expect(quiet.evictions).toBe(0);
    expect(noisy.evictions).toBeGreaterThan(0);
  });

  it('keeps enforcing after kubelet restarts inside the node container', async () => {
    const before = await agentPod();
    await cluster.nodeExec(WORKER_NODE, ['systemctl', 'restart', 'kubelet']);
    await eventually('worker Ready again', async () => {
      const n = await cluster.getJson(['node', WORKER_NODE]);
      return n.status.conditions.some((c: { type: string; status: string }) => c.type === 'Ready' && c.status === 'True');
    });
    const after = await eventually('agent ready after the kubelet restart', async () => {
      const a = await agentPod();
      return a.ready ? a : undefined;
    });
    expect(after.name).toBe(before.name);
    expect(await apply(workloadPod('after-restart', { epc: '16Mi', enclaveSize: '8Mi', workingSet: '4Mi', duration: '30s' }))).toMatchObject({ code: 0 });
    await eventually('after-restart running', async () => (await podPhase('after-restart')) === 'Running');
    expect(await eventually('limit of after-restart', () => agentMetric('epc_pod_limit_bytes', 'after-restart'))).toBe(16 * MI);
  });
});
