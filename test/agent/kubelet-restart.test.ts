/**
 * Kubelet restarts (issue 11, point 6): kubelet is gone for 3 s, 12 s and 30 s (no kubelet.sock,
 * no pod-resources socket) while the agent's reconciler keeps calling pod-resources (every
 * 300 ms here), which is what grew grpc-js' default reconnect back-off (1 s up to 120 s). Once the
 * sockets are back, the first container start (kubelet's PreStartContainer) must succeed with
 * the pod's limit bound. The three outages run in parallel, one simulated node each (real
 * `epc controller` and `epc agent` processes). The time from "sockets back" to "PreStart answered
 * OK" is printed, not asserted (machines are noisy): the bound (<= 1 s) is checked by running this
 * file and reading its output, see the agent's notes in README.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { AgentStack, ENCLAVE } from './agent-stack.js';

const OUTAGES_S = [3, 12, 30];
const stacks: AgentStack[] = [];

afterAll(async () => {
  await Promise.all(stacks.map((s) => s.stop()));
});

/** One node with a running pod (started one after the other: start-up is the heavy part). */
async function node(): Promise<AgentStack> {
  const s = await AgentStack.start();
  stacks.push(s);
  await s.runPod('before', '32Mi');
  return s;
}

async function outage(s: AgentStack, seconds: number): Promise<{ seconds: number; registeredMs: number; startedMs: number; preStartMs: number }> {
  expect(s.starts.find((x) => x.pod === 'default/before')?.miscMax).toBe('sgx_epc 33554432\n');
  const from = s.kubelet.events.length;
  await s.kubelet.restart({ downMs: seconds * 1000 });
  const back = performance.now();
  await s.kubelet.waitForRegistration(ENCLAVE, { timeoutMs: 60_000, from });
  const registeredMs = performance.now() - back;
  const t = performance.now();
  await s.kubelet.restartContainer('default', 'before', 'c0');
  const done = performance.now();
  const restarted = s.starts.filter((x) => x.pod === 'default/before');
  expect(restarted).toHaveLength(2);
  expect(restarted[1]).toMatchObject({ container: 'c0', miscMax: 'sgx_epc 33554432\n', boundTo: restarted[0].boundTo });
  return { seconds, registeredMs: Math.round(registeredMs), startedMs: Math.round(done - back), preStartMs: Math.round(done - t) };
}

describe('kubelet restart: the first container start after the pod-resources socket is back succeeds', () => {
  it(`outages of ${OUTAGES_S.join(' s, ')} s in parallel: the first PreStart afterwards is answered OK, limit bound`, async () => {
    const nodes: AgentStack[] = [];
    for (const _ of OUTAGES_S) nodes.push(await node());
    const results = await Promise.all(OUTAGES_S.map((sec, i) => outage(nodes[i], sec)));
    for (const r of results) {
      // The figure, not a threshold: "sockets back -> plugin registered -> PreStart OK".
      console.log(`kubelet-restart outage=${r.seconds}s registered_after_ms=${r.registeredMs} first_prestart_ok_after_ms=${r.startedMs} prestart_ms=${r.preStartMs}`);
    }
    expect(results.map((r) => r.seconds)).toEqual(OUTAGES_S);
  }, 600_000);
});
