/**
 * The reconciler against a PreStart racing it: a pod cgroup the PreStart makes while a round is
 * gathering belongs to a pod newer than the round's pod list - not a gone pod - and must survive.
 */
import { describe, expect, it } from 'vitest';
import type { EpcBackend } from '../../src/backend/epc-backend.js';
import type { PreStartActivity } from '../../src/agent/enforcer.js';
import { PodRecords } from '../../src/agent/pod-records.js';
import { Reconciler } from '../../src/agent/reconciler.js';

const CG = '/kubepods/besteffort/pod1b4e28ba-2fa1-11d2-883f-0016d3cca427';

function setup() {
  const removed: string[] = [];
  const backend = {
    kind: 'model',
    getMax: async () => 'max',
    listCgroups: async () => [CG],
    removeCgroup: async (p: string) => void removed.push(p),
  } as unknown as EpcBackend;
  let inFlight = true;
  const preStarts: PreStartActivity = { mark: () => 0, touchedSince: (_m, c) => inFlight && c === CG, forget: () => undefined };
  const rec = new Reconciler({
    pods: { list: () => [] }, // the round's pod list predates the new pod
    podResources: { list: async () => [], close: () => undefined },
    backend, driver: async () => 'cgroupfs', records: new PodRecords(), preStarts,
    enclaveResource: 'sgx.intel.com/enclave', enforce: true, removeCgroups: true,
  });
  return { rec, removed, settle: () => (inFlight = false) };
}

describe('reconciler vs a racing PreStartContainer', () => {
  it('leaves a cgroup the PreStart touched during the round, and removes it once the pod is really gone', async () => {
    const { rec, removed, settle } = setup();
    const first = await rec.reconcileNow();
    expect(first.actions.map((a) => a.type)).toEqual(['cleanup']);
    expect(removed).toEqual([]);
    settle();
    await rec.reconcileNow();
    expect(removed).toEqual([CG]);
  });
});
