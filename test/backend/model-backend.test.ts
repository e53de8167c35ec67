import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { canBindSlots } from '../../src/backend/epc-backend.js';
import { CgroupfsBackend } from '../../src/backend/cgroupfs-backend.js';
import { ModelBackend } from '../../src/backend/model-backend.js';
import { selectBackend } from '../../src/backend/select-backend.js';
import { EnclaveClient } from '../../src/controller/enclave-client.js';
import { createLogger } from '../../src/util/logger.js';
import { startControllerFixture, type ControllerFixture } from '../controller/controller-fixture.js';
import { epcBackendContract } from './epc-backend.contract.js';
import { FakeCgroupfs } from './fake-cgroupfs.js';

const CAP_PAGES = 2048;

epcBackendContract('model (epc controller over control.sock)', async () => {
  const f = await startControllerFixture({ capacityPages: CAP_PAGES });
  const backend = new ModelBackend({ socketDir: f.dir });
  let n = 0;
  return {
    backend,
    capacityBytes: CAP_PAGES * 4096,
    charge: async (path, pages) => {
      const slotId = `contract-${++n}`;
      await backend.bindSlot(slotId, path);
      const c = new EnclaveClient(f.controller.enclaveSocket, slotId);
      try {
        await c.create({ name: 'charge', bare: true });
        await c.add('charge', pages).catch(() => undefined);
      } finally {
        c.close();
      }
    },
    cleanup: () => f.stop(),
  };
});

describe('ModelBackend specifics', () => {
  let f: ControllerFixture | undefined;
  afterEach(async () => {
    await f?.stop();
    f = undefined;
  });

  it('has the slot-binding capability; cgroupfs does not', async () => {
    f = await startControllerFixture();
    const m = new ModelBackend({ socketDir: f.dir });
    expect(canBindSlots(m)).toBe(true);
    expect(canBindSlots(new CgroupfsBackend({ cgroupRoot: '/nonexistent' }))).toBe(false);
    await m.ensureCgroup('/p');
    await m.bindSlot('enclave-3', '/p');
    expect(await f.control.bindings()).toEqual([{ slot: 'enclave-3', path: '/p' }]);
    await m.unbindSlot('enclave-3');
    await m.unbindSlot('enclave-3');
    expect(await f.control.bindings()).toEqual([]);
    await expect(m.bindSlot('enclave-3', '/missing')).rejects.toMatchObject({ code: 'ENOENT' });
    await m.close();
  });

  it('removeCgroup destroys the enclaves first and reports evicted/reloaded counts', async () => {
    f = await startControllerFixture();
    const m = new ModelBackend({ socketDir: f.dir });
    await m.ensureCgroup('/pod/ctr');
    await m.setMax('/pod', 16 * 4096);
    await m.bindSlot('enclave-0', '/pod/ctr');
    const c = new EnclaveClient(f.controller.enclaveSocket, 'enclave-0');
    await c.create({ name: 'w', bare: true });
    await c.add('w', 40);
    c.close();
    const st = await m.stats('/pod/ctr');
    expect(st.evicted).toBeGreaterThan(0);
    expect(st.reloaded).toBe(0);
    await m.removeCgroup('/pod');
    expect(await m.listCgroups('/')).toEqual([]);
    expect((await f.control.node()).freePages).toBe(1024);
    await m.close();
  });

  it('reports an unreachable controller as EIO naming the socket', async () => {
    const m = new ModelBackend({ socketDir: '/nonexistent-dir' });
    await expect(m.capacity()).rejects.toMatchObject({ code: 'EIO', message: expect.stringContaining('/nonexistent-dir/control.sock') });
    await m.close();
  });
});

describe('selectBackend', () => {
  const cleanups: Array<() => Promise<void>> = [];
  afterEach(async () => {
    for (const c of cleanups.splice(0)) await c();
  });
  const quiet = createLogger('select-test', 'silent');

  it('auto picks cgroupfs when misc.capacity has sgx_epc', async () => {
    const fake = await FakeCgroupfs.create({ capacityBytes: 1 << 20 });
    cleanups.push(() => fake.destroy());
    const b = await selectBackend({ kind: 'auto', cgroupRoot: fake.root, fs: fake.port, controllerSocketDir: '/x', logger: quiet });
    expect(b.kind).toBe('cgroupfs');
    expect(await b.capacity()).toBe(1 << 20);
  });

  it('auto picks the model when the kernel has no sgx_epc, and logs why', async () => {
    const fake = await FakeCgroupfs.create({ capacityBytes: 1 << 20, sgxEpc: false });
    cleanups.push(() => fake.destroy());
    const lines: string[] = [];
    const { pino } = await import('pino');
    const logger = pino({ level: 'info' }, { write: (s: string) => lines.push(s) });
    const b = await selectBackend({ kind: 'auto', cgroupRoot: fake.root, controllerSocketDir: '/run/epc', logger });
    expect(b.kind).toBe('model');
    expect(lines.join('')).toMatch(/no sgx_epc.*-> model/);
  });

  it('auto on a machine without cgroup v2 misc (missing dir) picks the model', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'nocg-'));
    cleanups.push(() => rm(dir, { recursive: true, force: true }));
    expect((await selectBackend({ kind: 'auto', cgroupRoot: join(dir, 'none'), controllerSocketDir: dir, logger: quiet })).kind).toBe('model');
  });

  it('explicit kinds; the model without a socket dir is EINVAL', async () => {
    expect((await selectBackend({ kind: 'cgroupfs', cgroupRoot: '/x' })).kind).toBe('cgroupfs');
    await expect(selectBackend({ kind: 'model' })).rejects.toMatchObject({ code: 'EINVAL', message: expect.stringContaining('--controller-socket-dir') });
    await expect(selectBackend({ kind: 'bogus' as 'auto' })).rejects.toMatchObject({ code: 'EINVAL' });
  });
});
