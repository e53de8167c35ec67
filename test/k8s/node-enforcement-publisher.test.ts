/**
 * NodeEnforcementPublisher against the API server double (real JSON, real patch semantics):
 * condition SgxEpcEnforced by strategic merge on nodes/status (kubelet's conditions kept),
 * lastTransitionTime only when the status changes (also across an agent restart),
 * lastHeartbeatTime every publish, the label by merge patch on nodes, API errors retried.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { EPC_ENFORCED_CONDITION, EPC_ENFORCED_LABEL } from '../../src/agent/node-enforcement.js';
import { NodeEnforcementPublisher, type EnforcementState } from '../../src/k8s/node-enforcement-publisher.js';
import { startDouble, type DoubleFixture } from '../testbed/api-server/double-fixture.js';

const READY = { type: 'Ready', status: 'True', reason: 'KubeletReady', message: 'kubelet is posting ready status', lastHeartbeatTime: '2026-01-01T00:00:00Z', lastTransitionTime: '2026-01-01T00:00:00Z' };
const OFF: EnforcementState = { enforced: false, reason: 'NoEpcController', message: 'observe-only (--enforce=auto, no EPC controller)' };
const ON: EnforcementState = { enforced: true, reason: 'EpcControllerPresent', message: 'EPC limits enforced (--enforce=auto)' };

let f: DoubleFixture;
let clock = Date.parse('2026-12-02T10:00:00Z');
let state: EnforcementState = OFF;
const pubs: NodeEnforcementPublisher[] = [];

beforeEach(async () => {
  f = await startDouble();
  f.double.addNode({ metadata: { name: 'n1', labels: { team: 'a' } }, status: { conditions: [READY] } });
  state = OFF;
});
afterEach(async () => {
  await Promise.all(pubs.splice(0).map((p) => p.stop()));
  await f.close();
});

function publisher(heartbeatMs = 60_000): NodeEnforcementPublisher {
  const p = new NodeEnforcementPublisher({
    kubeConfig: f.kc, nodeName: 'n1', conditionType: EPC_ENFORCED_CONDITION, label: EPC_ENFORCED_LABEL,
    state: async () => state, heartbeatMs, now: () => new Date(clock),
  });
  pubs.push(p);
  return p;
}
const cond = () => f.double.getNode('n1').status.conditions.find((c: any) => c.type === EPC_ENFORCED_CONDITION);
const at = (ms: number) => new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');

describe('NodeEnforcementPublisher', () => {
  it('publishes condition and label; kubelet\'s conditions and other labels stay', async () => {
    expect(await publisher().reconcileNow()).toEqual({ outcome: 'patched', transitioned: true });
    const node = f.double.getNode('n1');
    expect(node.status.conditions).toEqual([READY, { type: 'SgxEpcEnforced', status: 'False', reason: 'NoEpcController', message: OFF.message, lastHeartbeatTime: at(clock), lastTransitionTime: at(clock) }]);
    expect(node.metadata.labels).toEqual({ team: 'a', [EPC_ENFORCED_LABEL]: 'false' });
    expect(f.double.requestLog.filter((r) => r.method === 'PATCH').map((r) => [r.path, r.contentType])).toEqual([
      ['/api/v1/nodes/n1/status', 'application/strategic-merge-patch+json'],
      ['/api/v1/nodes/n1', 'application/merge-patch+json'],
    ]);
  });

  it('unchanged state: no API call until the heartbeat, which moves lastHeartbeatTime only', async () => {
    const p = publisher(60_000);
    const t0 = clock;
    await p.reconcileNow();
    f.double.clearRequestLog();
    clock += 10_000;
    expect(await p.reconcileNow()).toEqual({ outcome: 'unchanged' });
    expect(f.double.requestLog).toEqual([]);
    clock += 60_000;
    expect(await p.reconcileNow()).toEqual({ outcome: 'patched', transitioned: false });
    expect(cond()).toMatchObject({ status: 'False', lastHeartbeatTime: at(clock), lastTransitionTime: at(t0) });
    expect(f.double.requestLog.filter((r) => r.method === 'PATCH')).toHaveLength(1); // label already right
  });

  it('a status change moves lastTransitionTime and flips the label; a restarted agent keeps the transition time', async () => {
    const t0 = clock;
    await publisher().reconcileNow();
    clock += 5000;
    state = ON;
    const p = publisher();
    expect(await p.reconcileNow()).toEqual({ outcome: 'patched', transitioned: true });
    expect(cond()).toMatchObject({ status: 'True', reason: 'EpcControllerPresent', lastTransitionTime: at(clock) });
    expect(f.double.getNode('n1').metadata.labels[EPC_ENFORCED_LABEL]).toBe('true');
    const t1 = clock;
    clock += 5000;
    expect(await publisher().reconcileNow()).toEqual({ outcome: 'patched', transitioned: false }); // new process, same status
    expect(cond()).toMatchObject({ status: 'True', lastTransitionTime: at(t1), lastHeartbeatTime: at(clock) });
    expect(t1).toBeGreaterThan(t0);
  });

  it('an API error is reported, never thrown, and the next round publishes', async () => {
    const p = publisher();
    f.double.injectFault({ code: 503, method: 'PATCH', pathPrefix: '/api/v1/nodes/n1/status' });
    expect(await p.reconcileNow()).toMatchObject({ outcome: 'error', error: expect.stringContaining('503') });
    expect(cond()).toBeUndefined();
    expect(await p.reconcileNow()).toMatchObject({ outcome: 'patched' });
    expect(cond()).toMatchObject({ status: 'False' });
  });

  it('the loop: start publishes, stop is idempotent and safe before start', async () => {
    await publisher().stop();
    const p = publisher();
    p.start();
    p.start();
    for (let i = 0; i < 100 && !cond(); i++) await new Promise((r) => setTimeout(r, 20));
    expect(cond()).toMatchObject({ status: 'False' });
    await p.stop();
    await p.stop();
  });
});
