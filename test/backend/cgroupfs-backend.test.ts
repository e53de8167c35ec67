import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { CgroupfsBackend } from '../../src/backend/cgroupfs-backend.js';
import { EpcBackendError } from '../../src/backend/epc-backend-error.js';
import { epcBackendContract } from './epc-backend.contract.js';
import { FakeCgroupfs } from './fake-cgroupfs.js';

const CAP = 256 * 1024 * 1024;

epcBackendContract('cgroupfs (fake kernel in a temp dir)', async () => {
  const fake = await FakeCgroupfs.create({ capacityBytes: CAP });
  return {
    backend: new CgroupfsBackend({ cgroupRoot: fake.root, fs: fake.port }),
    capacityBytes: CAP,
    charge: async (path, pages) => {
      await fake.charge(path, pages * 4096);
    },
    cleanup: () => fake.destroy(),
  };
});

describe('CgroupfsBackend specifics', () => {
  const fakes: FakeCgroupfs[] = [];
  afterEach(async () => {
    for (const f of fakes.splice(0)) await f.destroy();
  });
  async function make(opts: { sgxEpc?: boolean } = {}) {
    const fake = await FakeCgroupfs.create({ capacityBytes: CAP, ...opts });
    fakes.push(fake);
    return { fake, backend: new CgroupfsBackend({ cgroupRoot: fake.root, fs: fake.port }) };
  }

  it('enables +misc in cgroup.subtree_control of every ancestor, not in the leaf', async () => {
    const { fake, backend } = await make();
    await backend.ensureCgroup('/kubepods/burstable/podx');
    for (const d of ['', 'kubepods', 'kubepods/burstable']) {
      expect((await readFile(join(fake.root, d, 'cgroup.subtree_control'), 'utf8')).split(/\s+/)).toContain('misc');
    }
    expect((await readFile(join(fake.root, 'kubepods/burstable/podx/cgroup.subtree_control'), 'utf8')).trim()).toBe('');
  });

  it('writes misc.max in the kernel format', async () => {
    const { fake, backend } = await make();
    await backend.ensureCgroup('/p');
    await backend.setMax('/p', 65536);
    expect(await readFile(join(fake.root, 'p/misc.max'), 'utf8')).toBe('sgx_epc 65536\n');
    await backend.setMax('/p', 'max');
    expect(await readFile(join(fake.root, 'p/misc.max'), 'utf8')).toBe('sgx_epc max\n');
  });

  it('applyCgroup on an existing pod cgroup is one write of misc.max; a failed write removes the cgroups it made', async () => {
    const { fake } = await make();
    const calls: string[] = [];
    let failMax = false;
    const port = {
      ...fake.port,
      readFile: (p: string) => (calls.push(`read ${p}`), fake.port.readFile(p)),
      mkdir: (p: string) => (calls.push(`mkdir ${p}`), fake.port.mkdir(p)),
      writeFile: async (p: string, d: string) => {
        calls.push(`write ${p}`);
        if (failMax && p.endsWith('misc.max')) throw Object.assign(new Error('EIO: i/o error'), { code: 'EIO' });
        return fake.port.writeFile(p, d);
      },
    };
    const backend = new CgroupfsBackend({ cgroupRoot: fake.root, fs: port });
    await backend.applyCgroup({ cgroup: '/kubepods/podr', max: 4096, slots: [] });
    calls.length = 0;
    expect(await backend.applyCgroup({ cgroup: '/kubepods/podr', max: 8192, slots: [] })).toEqual({ created: false });
    expect(calls).toEqual([`write ${join(fake.root, 'kubepods/podr/misc.max')}`]);
    expect(await readFile(join(fake.root, 'kubepods/podr/misc.max'), 'utf8')).toBe('sgx_epc 8192\n');
    failMax = true;
    await expect(backend.applyCgroup({ cgroup: '/new/pod', max: 4096, slots: [] })).rejects.toMatchObject({ code: 'EIO', path: '/new/pod' });
    expect(await backend.listCgroups('/')).toEqual(['/kubepods', '/kubepods/podr']);
  });

  it('refuses with ENOTSUP on a kernel whose misc.capacity has no sgx_epc', async () => {
    const { backend } = await make({ sgxEpc: false });
    await expect(backend.capacity()).rejects.toMatchObject({ code: 'ENOTSUP' });
    await expect(backend.capacity()).rejects.toThrow(/no sgx_epc line/);
    await expect(backend.ensureCgroup('/kubepods/pod1')).rejects.toMatchObject({ code: 'ENOTSUP' });
    expect(await backend.listCgroups('/')).toEqual([]);
  });

  it('reports peak and events.local as null on a kernel without those files', async () => {
    const { fake, backend } = await make();
    await backend.ensureCgroup('/old');
    const { unlink } = await import('node:fs/promises');
    await unlink(join(fake.root, 'old/misc.peak'));
    await unlink(join(fake.root, 'old/misc.events.local'));
    expect(await backend.stats('/old')).toMatchObject({ peak: null, eventsLocal: null, current: 0, events: 0, max: 'max' });
  });

  it('maps a rmdir refused by the kernel (EBUSY) and a read-only write (EACCES) to backend errors', async () => {
    const { fake, backend } = await make();
    await backend.ensureCgroup('/a/b');
    await expect(fake.port.rmdir(join(fake.root, 'a'))).rejects.toMatchObject({ code: 'EBUSY' });
    // The backend removes children first, so the same tree goes away.
    await backend.removeCgroup('/a');
    expect(await backend.listCgroups('/')).toEqual([]);
    await backend.ensureCgroup('/c');
    await expect(fake.port.writeFile(join(fake.root, 'c/misc.current'), 'sgx_epc 1')).rejects.toMatchObject({ code: 'EACCES' });
  });

  it('reports a file with garbage as ENOTSUP naming the file, not a crash', async () => {
    const { fake, backend } = await make();
    await backend.ensureCgroup('/g');
    const { writeFile } = await import('node:fs/promises');
    await writeFile(join(fake.root, 'g/misc.current'), 'sev 0\n');
    const err = await backend.stats('/g').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(EpcBackendError);
    expect((err as EpcBackendError).message).toContain('misc.current');
  });
});
