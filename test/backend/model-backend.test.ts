import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { canBindSlots, canReadFreeEpc } from '../../src/backend/epc-backend.js';
import { CgroupfsBackend } from '../../src/backend/cgroupfs-backend.js';
import { ModelBackend } from '../../src/backend/model-backend.js';
import { chooseAutoBackend, selectBackend } from '../../src/backend/select-backend.js';
import { EnclaveClient } from '../../src/contracts/controller-api/enclave-client.js';
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
      const c = new EnclaveClient(f.controller.slotSocket(slotId), slotId);
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
    expect(canReadFreeEpc(m)).toBe(true);
    expect(canReadFreeEpc(new CgroupfsBackend({ cgroupRoot: '/nonexistent' }))).toBe(false);
    expect(await m.freeBytes()).toBe((await f.control.node()).freeBytes);
    await m.ensureCgroup('/p');
    await m.bindSlot('enclave-3', '/p');
    expect(await f.control.bindings()).toEqual([{ slot: 'enclave-3', path: '/p' }]);
    expect(await m.bindings()).toEqual(new Map([['enclave-3', '/p']]));
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
    const c = new EnclaveClient(f.controller.slotSocket('enclave-0'), 'enclave-0');
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

  it('applyCgroup is all or nothing: a slot the controller cannot serve leaves no cgroup, no limit, no binding', async () => {
    f = await startControllerFixture();
    const m = new ModelBackend({ socketDir: f.dir });
    await writeFile(join(f.dir, 'slots', 'enclave-2'), 'not a directory');
    await expect(m.applyCgroup({ cgroup: '/kubepods/pod9', max: 4096, slots: ['enclave-1', 'enclave-2'] })).rejects.toMatchObject({ code: 'EIO', path: '/kubepods/pod9' });
    expect(await m.listCgroups('/')).toEqual([]);
    expect(await m.bindings()).toEqual(new Map());
    await m.close();
  });

  it('reports an unreachable controller as EIO naming the socket', async () => {
    const m = new ModelBackend({ socketDir: '/nonexistent-dir' });
    await expect(m.capacity()).rejects.toMatchObject({ code: 'EIO', message: expect.stringContaining('/nonexistent-dir/control.sock') });
    await m.close();
  });
});

describe('chooseAutoBackend (pure)', () => {
  const root = '/sys/fs/cgroup';
  const sock = '/var/run/epc/control.sock';
  it.each([
    { name: 'sgx_epc -> cgroupfs (socket or not)', hasSgxEpc: true, controlSocketExists: true, kind: 'cgroupfs', why: /\/sys\/fs\/cgroup\/misc.capacity has sgx_epc -> cgroupfs/ },
    { name: 'no sgx_epc, socket exists -> model', hasSgxEpc: false, controlSocketExists: true, kind: 'model', why: /no sgx_epc in .*misc.capacity, controller socket \/var\/run\/epc\/control.sock exists -> model \(epc controller\)/ },
    { name: 'no sgx_epc, no socket -> none', hasSgxEpc: false, controlSocketExists: false, kind: 'none', why: /no sgx_epc in .*misc.capacity and no controller socket \/var\/run\/epc\/control.sock -> no EPC controller/ },
  ])('$name', ({ hasSgxEpc, controlSocketExists, kind, why }) => {
    const c = chooseAutoBackend({ cgroupRoot: root, hasSgxEpc, controlSocket: sock, controlSocketExists });
    expect(c.kind).toBe(kind);
    expect(c.why).toMatch(why);
  });
  it('no socket dir given: none, saying so', () => {
    expect(chooseAutoBackend({ cgroupRoot: root, hasSgxEpc: false, controlSocketExists: false })).toMatchObject({ kind: 'none', why: expect.stringContaining('no --controller-socket-dir') });
  });
});

describe('selectBackend', () => {
  const cleanups: Array<() => Promise<void>> = [];
  afterEach(async () => {
    for (const c of cleanups.splice(0)) await c();
  });
  const quiet = createLogger('select-test', 'silent');
  const capture = async () => {
    const lines: string[] = [];
    const { pino } = await import('pino');
    return { lines, logger: pino({ level: 'info' }, { write: (s: string) => lines.push(s) }) };
  };
  /** A dir with a listening control.sock, like a running `epc controller`. */
  const socketDir = async () => {
    const dir = await mkdtemp(join(tmpdir(), 'sel-'));
    const server = createServer();
    await new Promise<void>((r) => server.listen(join(dir, 'control.sock'), r));
    cleanups.push(async () => {
      await new Promise((r) => server.close(r));
      await rm(dir, { recursive: true, force: true });
    });
    return dir;
  };

  it('auto picks cgroupfs when misc.capacity has sgx_epc', async () => {
    const fake = await FakeCgroupfs.create({ capacityBytes: 1 << 20 });
    cleanups.push(() => fake.destroy());
    const s = await selectBackend({ kind: 'auto', cgroupRoot: fake.root, fs: fake.port, controllerSocketDir: '/x', logger: quiet });
    expect(s.kind).toBe('cgroupfs');
    expect(s.backend.kind).toBe('cgroupfs');
    expect(await s.backend.capacity()).toBe(1 << 20);
  });

  it('auto picks the model when the kernel has no sgx_epc and control.sock exists, and logs why', async () => {
    const fake = await FakeCgroupfs.create({ capacityBytes: 1 << 20, sgxEpc: false });
    cleanups.push(() => fake.destroy());
    const dir = await socketDir();
    const { lines, logger } = await capture();
    const s = await selectBackend({ kind: 'auto', cgroupRoot: fake.root, controllerSocketDir: dir, logger });
    expect([s.kind, s.backend.kind]).toEqual(['model', 'model']);
    expect(lines.join('')).toMatch(/no sgx_epc.*controller socket .*control.sock exists -> model/);
  });

  it('auto without sgx_epc and without control.sock: kind none over the node cgroupfs, naming the socket, logged as a warning', async () => {
    const fake = await FakeCgroupfs.create({ capacityBytes: 1 << 20, sgxEpc: false });
    cleanups.push(() => fake.destroy());
    const dir = await mkdtemp(join(tmpdir(), 'sel-'));
    cleanups.push(() => rm(dir, { recursive: true, force: true }));
    const { lines, logger } = await capture();
    const s = await selectBackend({ kind: 'auto', cgroupRoot: fake.root, controllerSocketDir: dir, logger });
    expect(s).toMatchObject({ kind: 'none', missingControllerSocket: join(dir, 'control.sock') });
    expect(s.backend.kind).toBe('cgroupfs');
    await expect(s.backend.capacity()).rejects.toMatchObject({ code: 'ENOTSUP' });
    const line = JSON.parse(lines.find((l) => l.includes('epc backend auto'))!);
    expect(line.level).toBe(40);
    expect(line.msg).toMatch(/no sgx_epc in .*misc.capacity and no controller socket .*control.sock -> no EPC controller/);
  });

  it('auto: a plain file named control.sock is not a controller', async () => {
    const fake = await FakeCgroupfs.create({ capacityBytes: 1 << 20, sgxEpc: false });
    cleanups.push(() => fake.destroy());
    const dir = await mkdtemp(join(tmpdir(), 'sel-'));
    cleanups.push(() => rm(dir, { recursive: true, force: true }));
    await writeFile(join(dir, 'control.sock'), '');
    expect((await selectBackend({ kind: 'auto', cgroupRoot: fake.root, controllerSocketDir: dir, logger: quiet })).kind).toBe('none');
  });

  it('auto on a machine without cgroup v2 misc (missing dir) picks the model only where its socket is', async () => {
    const dir = await socketDir();
    expect((await selectBackend({ kind: 'auto', cgroupRoot: join(dir, 'none'), controllerSocketDir: dir, logger: quiet })).kind).toBe('model');
    expect((await selectBackend({ kind: 'auto', cgroupRoot: join(dir, 'none'), controllerSocketDir: join(dir, 'nothing'), logger: quiet })).kind).toBe('none');
  });

  it('explicit kinds; the model without a socket dir is EINVAL', async () => {
    expect((await selectBackend({ kind: 'cgroupfs', cgroupRoot: '/x' })).kind).toBe('cgroupfs');
    expect((await selectBackend({ kind: 'model', controllerSocketDir: '/nonexistent' })).backend.kind).toBe('model');
    await expect(selectBackend({ kind: 'model' })).rejects.toMatchObject({ code: 'EINVAL', message: expect.stringContaining('--controller-socket-dir') });
    await expect(selectBackend({ kind: 'bogus' as 'auto' })).rejects.toMatchObject({ code: 'EINVAL' });
  });
});
