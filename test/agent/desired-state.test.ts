import { describe, expect, it } from 'vitest';
import { desiredPodState } from '../../src/agent/desired-state.js';
import type { PodLike } from '../../src/pod/pod-like.js';

const UID = '0b7c2d1e-3f4a-4b5c-8d6e-7f8091a2b3c4';
const pod = (epc: string | undefined, extra: Partial<PodLike['metadata']> = {}): PodLike => ({
  metadata: { name: 'p', namespace: 'ns', uid: UID, ...extra },
  spec: { containers: [{ name: 'a', resources: epc === undefined ? {} : { requests: { 'sgx.intel.com/epc': epc, cpu: '100m' } } }] },
});

describe('desiredPodState: the one answer the enforcer and the reconciler apply', () => {
  it.each([
    ['enforced, cgroupfs', pod('64Mi'), { enforce: true, driver: 'cgroupfs' as const }, { cgroup: `/kubepods/burstable/pod${UID}`, max: 64 << 20, requestBytes: 64n << 20n }],
    ['enforced, systemd', pod('64Mi'), { enforce: true, driver: 'systemd' as const }, { cgroup: `/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod${UID.replaceAll('-', '_')}.slice`, max: 64 << 20, requestBytes: 64n << 20n }],
    ['observe-only: unlimited but bound', pod('64Mi'), { enforce: false, driver: 'cgroupfs' as const }, { cgroup: `/kubepods/burstable/pod${UID}`, max: 'max', requestBytes: 64n << 20n }],
    ['observe-only, no EPC', pod(undefined), { enforce: false, driver: 'cgroupfs' as const }, { cgroup: `/kubepods/besteffort/pod${UID}`, max: 'max', requestBytes: 0n }],
  ])('%s', (_name, p, o, want) => {
    expect(desiredPodState(p, { ...o, slots: ['enclave-1'] })).toEqual({ ok: true, state: { ...want, slots: ['enclave-1'] } });
  });

  it.each([
    ['no EPC while enforcing', pod(undefined), 'limit', /requests no sgx\.intel\.com\/epc/],
    ['an unusable EPC amount', pod('1.5'), 'limit', /spec\.containers\[0\]\.resources\.requests\[sgx\.intel\.com\/epc\]: invalid quantity "1\.5": is not a whole number of bytes/],
    ['no UID', pod('64Mi', { uid: undefined }), 'cgroup', /has no metadata\.uid/],
    ['an unsafe UID', pod('64Mi', { uid: '../../etc' }), 'cgroup', /is not a valid UID/],
  ])('none for %s, saying why', (_name, p, part, reason) => {
    const r = desiredPodState(p, { enforce: true, driver: 'cgroupfs', slots: [] });
    expect(r).toMatchObject({ ok: false, part });
    if (!r.ok) expect(r.reason).toMatch(reason);
  });

  it('reads the EPC resource the agent is told (--epc-resource), as the webhook does', () => {
    const custom: PodLike = { metadata: { name: 'p', namespace: 'ns', uid: UID }, spec: { containers: [{ name: 'a', resources: { limits: { 'example.com/epc': '32Mi' } } }] } };
    expect(desiredPodState(custom, { enforce: true, epcResource: 'example.com/epc', driver: 'cgroupfs', slots: [] })).toMatchObject({ ok: true, state: { max: 32 << 20 } });
    expect(desiredPodState(custom, { enforce: true, driver: 'cgroupfs', slots: [] })).toMatchObject({ ok: false, part: 'limit', reason: expect.stringContaining('requests no sgx.intel.com/epc') });
  });
});
