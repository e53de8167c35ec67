import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { canBindSlots, type EpcBackend } from '../../src/backend/epc-backend.js';
import { EpcBackendError } from '../../src/backend/epc-backend-error.js';

const PAGE = 4096;

/** What each backend's test file hands the contract: a fresh backend plus a way to use EPC. */
export interface ContractSubject {
  backend: EpcBackend;
  /** EPC the platform has (bytes). */
  capacityBytes: number;
  /** Makes tasks of `path` allocate `pages` EPC pages the way the platform does (model: a bare
   *  enclave in a slot bound to the cgroup; fake cgroupfs: a kernel charge). Over-limit attempts
   *  must not throw. */
  charge(path: string, pages: number): Promise<void>;
  cleanup(): Promise<void>;
}

async function errCode(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (err) {
    expect(err).toBeInstanceOf(EpcBackendError);
    return (err as EpcBackendError).code;
  }
  return 'no error';
}

/**
 * The one contract every `EpcBackend` runs (style principle 6): same calls, same observable
 * results, same error codes, whether the limit lives in the model or in the kernel's cgroupfs.
 */
export function epcBackendContract(name: string, factory: () => Promise<ContractSubject>): void {
  describe(`EpcBackend contract: ${name}`, () => {
    let s: ContractSubject;
    let b: EpcBackend;
    beforeEach(async () => {
      s = await factory();
      b = s.backend;
    });
    afterEach(async () => {
      await b.close();
      await s.cleanup();
    });

    it('reports the node capacity in bytes', async () => {
      expect(await b.capacity()).toBe(s.capacityBytes);
    });

    it('ensureCgroup is mkdir -p and idempotent; listCgroups lists strictly below a prefix in pre-order', async () => {
      await b.ensureCgroup('kubepods/burstable/pod1');
      await b.ensureCgroup('/kubepods/burstable/pod1/');
      await b.ensureCgroup('/kubepods/besteffort');
      expect(await b.listCgroups('/kubepods')).toEqual(['/kubepods/besteffort', '/kubepods/burstable', '/kubepods/burstable/pod1']);
      expect(await b.listCgroups('kubepods/burstable')).toEqual(['/kubepods/burstable/pod1']);
      expect(await b.listCgroups('/nothing-here')).toEqual([]);
      expect(await b.listCgroups('/')).toEqual(expect.arrayContaining(['/kubepods', '/kubepods/burstable/pod1']));
    });

    it('a new cgroup is unlimited with zero usage and zero events', async () => {
      await b.ensureCgroup('/fresh');
      expect(await b.getMax('/fresh')).toBe('max');
      const st = await b.stats('/fresh');
      expect(st).toMatchObject({ max: 'max', current: 0, events: 0 });
      expect(st.peak === null || st.peak === 0).toBe(true);
      expect(st.eventsLocal === null || st.eventsLocal === 0).toBe(true);
    });

    it('setMax/getMax round-trip bytes as written and "max"', async () => {
      await b.ensureCgroup('/lim');
      await b.setMax('/lim', 10000);
      expect(await b.getMax('/lim')).toBe(10000);
      expect((await b.stats('/lim')).max).toBe(10000);
      await b.setMax('/lim', 64 * 1024 * 1024);
      expect(await b.getMax('/lim')).toBe(64 * 1024 * 1024);
      await b.setMax('/lim', 'max');
      expect(await b.getMax('/lim')).toBe('max');
    });

    it.each([
      ['negative max', '/x', -1, 'EINVAL'],
      ['fractional max', '/x', 1.5, 'EINVAL'],
      ['string max', '/x', 'lots' as unknown as number, 'EINVAL'],
      ['the root', '/', 4096, 'EINVAL'],
      ['an escaping path', '../etc', 4096, 'EINVAL'],
      ['a missing cgroup', '/missing', 4096, 'ENOENT'],
    ])('setMax rejects %s', async (_n, path, max, code) => {
      await b.ensureCgroup('/x');
      expect(await errCode(b.setMax(path, max))).toBe(code);
    });

    it('applyCgroup makes the cgroup (mkdir -p), writes misc.max and binds the slots where the backend binds slots; again = a restart', async () => {
      const pod = '/kubepods/burstable/pod7';
      expect(await b.applyCgroup({ cgroup: 'kubepods/burstable/pod7', max: 8 * PAGE, slots: ['enclave-4'] })).toEqual({ created: true });
      expect(await b.listCgroups('/kubepods')).toEqual(['/kubepods/burstable', pod]);
      expect(await b.getMax(pod)).toBe(8 * PAGE);
      if (canBindSlots(b)) expect((await b.bindings()).get('enclave-4')).toBe(pod);
      expect(await b.applyCgroup({ cgroup: pod, max: 'max', slots: ['enclave-4'] })).toEqual({ created: false });
      expect(await b.getMax(pod)).toBe('max');
      // Under an existing parent (kubelet made the QoS cgroups): only the pod cgroup is new.
      expect(await b.applyCgroup({ cgroup: '/kubepods/burstable/pod8', max: PAGE, slots: [] })).toEqual({ created: true });
      expect(await b.getMax('/kubepods/burstable/pod8')).toBe(PAGE);
      await s.charge(pod, 2);
      expect((await b.stats(pod)).current).toBe(2 * PAGE);
    });

    it.each([
      ['the root', '/', 4096, 'EINVAL'],
      ['an escaping path', '/a/../../etc', 4096, 'EINVAL'],
      ['a negative max', '/x', -1, 'EINVAL'],
      ['a fractional max', '/x', 1.5, 'EINVAL'],
      ['a word for max', '/x', 'lots' as unknown as number, 'EINVAL'],
    ])('applyCgroup rejects %s and makes nothing', async (_n, cgroup, max, code) => {
      expect(await errCode(b.applyCgroup({ cgroup, max, slots: ['enclave-1'] }))).toBe(code);
      expect(await b.listCgroups('/')).toEqual([]);
      if (canBindSlots(b)) expect((await b.bindings()).size).toBe(0);
    });

    it('stats and getMax of a missing cgroup are ENOENT', async () => {
      expect(await errCode(b.stats('/missing'))).toBe('ENOENT');
      expect(await errCode(b.getMax('/missing/deeper'))).toBe('ENOENT');
    });

    it('charges within the limit show in current and peak, up the hierarchy', async () => {
      await b.ensureCgroup('/pods/a');
      await b.setMax('/pods/a', 64 * PAGE);
      await s.charge('/pods/a', 10);
      const a = await b.stats('/pods/a');
      expect(a.current).toBeGreaterThanOrEqual(10 * PAGE);
      expect(a.current).toBeLessThanOrEqual(64 * PAGE);
      expect(a.events).toBe(0);
      if (a.peak !== null) expect(a.peak).toBeGreaterThanOrEqual(a.current);
      expect((await b.stats('/pods')).current).toBe(a.current);
    });

    it('a charge past the limit counts a max event here and in ancestors and never exceeds the limit', async () => {
      await b.ensureCgroup('/pods/b');
      await b.setMax('/pods/b', 16 * PAGE);
      await s.charge('/pods/b', 40);
      const st = await b.stats('/pods/b');
      expect(st.current).toBeLessThanOrEqual(16 * PAGE);
      expect(st.events).toBeGreaterThanOrEqual(1);
      if (st.eventsLocal !== null) expect(st.eventsLocal).toBeGreaterThanOrEqual(1);
      expect((await b.stats('/pods')).events).toBeGreaterThanOrEqual(1);
    });

    it('writing a max below usage only stores it', async () => {
      await b.ensureCgroup('/shrink');
      await s.charge('/shrink', 8);
      const before = (await b.stats('/shrink')).current;
      await b.setMax('/shrink', PAGE);
      const after = await b.stats('/shrink');
      expect(after.max).toBe(PAGE);
      expect(after.current).toBe(before);
      expect(after.events).toBe(0);
    });

    it('removeCgroup removes the subtree, even with charges, and is idempotent', async () => {
      await b.ensureCgroup('/gone/child/grandchild');
      await b.ensureCgroup('/kept');
      await s.charge('/gone/child', 4);
      await b.removeCgroup('/gone');
      expect(await b.listCgroups('/')).not.toContain('/gone');
      expect(await b.listCgroups('/')).toContain('/kept');
      expect(await errCode(b.stats('/gone/child'))).toBe('ENOENT');
      await b.removeCgroup('/gone');
      await b.removeCgroup('/never-was');
    });

    it('rejects bad paths everywhere with EINVAL', async () => {
      for (const p of ['', 'a//b', 'a/../b', 'a b']) {
        expect(await errCode(b.ensureCgroup(p))).toBe('EINVAL');
        expect(await errCode(b.stats(p))).toBe('EINVAL');
      }
    });

    it('close is safe twice', async () => {
      await b.close();
      await b.close();
    });
  });
}
