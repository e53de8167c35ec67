/**
 * `--enforce auto` (the default) on a node whose EPC controller comes and goes (real `epc
 * controller` and `epc agent` processes, model backend, API server double): with the controller
 * the agent enforces and publishes condition SgxEpcEnforced True and label epc-enforced=true;
 * when the controller goes away they turn False/false (lastTransitionTime moves, kubelet's own
 * conditions are untouched) and a container start is answered OK unbound; when it comes back they
 * turn True again.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AgentStack, eventually, NODE } from './agent-stack.js';

const LABEL = 'sgx-epc-enforcer.io/epc-enforced';
let s: AgentStack;

beforeAll(async () => {
  // Kubelet's own condition, which the agent's strategic merge patch must keep.
  s = await AgentStack.start({ node: { metadata: { name: NODE }, status: { conditions: [{ type: 'Ready', status: 'True', reason: 'KubeletReady', message: 'kubelet is posting ready status' }] } } });
}, 300_000);

afterAll(async () => {
  await s?.stop();
});

const condition = () => s.api.getNode(NODE)?.status?.conditions?.find((c: any) => c.type === 'SgxEpcEnforced');
const label = () => s.api.getNode(NODE)?.metadata?.labels?.[LABEL];
const gauge = async () => /^epc_node_enforced\{reason="(\w+)"\} (\d)$/m.exec(await (await s.fetch('/metrics')).text())?.slice(1);

describe('--enforce auto follows the EPC controller', { timeout: 300_000 }, () => {
  it('with the model controller: enforces, condition True, label true, gauge 1', async () => {
    const ready = JSON.parse(s.agent!.stdout.split('\n').find((l) => l.includes('"event":"ready"'))!);
    expect(ready).toMatchObject({ enforce: 'auto', enforced: true, reason: 'EpcControllerPresent' });
    await s.runPod('limited', '32Mi');
    expect(s.starts.find((x) => x.pod === 'default/limited')).toMatchObject({ miscMax: 'sgx_epc 33554432\n' });
    expect(await eventually(() => label() === 'true', 10_000)).toBe(true);
    expect(condition()).toMatchObject({ status: 'True', reason: 'EpcControllerPresent', message: expect.stringContaining('EPC limits enforced (--enforce=auto)') });
    expect(condition().lastHeartbeatTime).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    expect(s.api.getNode(NODE).status.conditions.find((c: any) => c.type === 'Ready')).toMatchObject({ status: 'True', reason: 'KubeletReady' });
    expect(await gauge()).toEqual(['EpcControllerPresent', '1']);
  });

  it('controller gone: condition False, label false, the next start is answered OK unbound; back: True again', async () => {
    const since = condition().lastTransitionTime;
    s.recording = false;
    await s.controller.stop();
    expect(await eventually(() => label() === 'false', 15_000)).toBe(true);
    expect(condition()).toMatchObject({ status: 'False', reason: 'NoEpcController', message: expect.stringContaining('observe-only (--enforce=auto, no EPC controller)') });
    expect(condition().lastTransitionTime >= since).toBe(true);
    expect(await gauge()).toEqual(['NoEpcController', '0']);
    const r = await s.fetch('/readyz');
    expect(r.status).toBe(200);
    // kubelet restarts the container: PreStart answers OK although nothing can be bound.
    const from = s.kubelet.events.length;
    await s.kubelet.restartContainer('default', 'limited', 'c0');
    const prestart = s.kubelet.events.slice(from).find((e) => e.type === 'prestart');
    expect(prestart).toMatchObject({ type: 'prestart', deviceIds: [expect.stringMatching(/^enclave-/)] });
    expect((prestart as { error?: string }).error).toBeUndefined();
    expect(await (await s.fetch('/metrics')).text()).toMatch(/^epc_enforcement_duration_seconds_count\{result="unbound"\} [1-9]/m);

    const down = condition().lastTransitionTime;
    await s.startController();
    s.recording = true;
    expect(await eventually(() => label() === 'true', 15_000)).toBe(true);
    expect(condition()).toMatchObject({ status: 'True', reason: 'EpcControllerPresent' });
    expect(condition().lastTransitionTime >= down).toBe(true);
    expect(await gauge()).toEqual(['EpcControllerPresent', '1']);
  });
});
