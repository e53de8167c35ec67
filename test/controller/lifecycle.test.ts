import { execFile } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { chmod, mkdir, mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ControlClient } from '../../src/contracts/controller-api/control-client.js';
import { CONTROL_SOCKET_MODE, ENCLAVE_SOCKET_MODE, EpcController } from '../../src/controller/epc-controller.js';
import { SPARE_SOCKETS, SPARE_SOCKETS_DIR } from '../../src/controller/slot-sockets.js';
import { SocketInUseError } from '../../src/controller/unix-socket-server.js';
import { createLogger } from '../../src/util/logger.js';
import { until } from '../deviceplugin/fixtures.js';
import { rawRequest } from './controller-fixture.js';

/** Binds `slot` to a fresh cgroup /pod-<slot> through control.sock (what the agent does in PreStart). */
async function bindSlot(c: EpcController, slot: string): Promise<void> {
  const control = new ControlClient(c.controlSocket);
  try {
    await control.mkdir(`/pod-${slot}`);
    await control.bind(slot, `/pod-${slot}`);
  } finally {
    control.close();
  }
}

describe('EpcController lifecycle', () => {
  let dir: string;
  const make = () => new EpcController({ socketDir: dir, capacityPages: 64, costScale: 0, logger: createLogger('t', 'silent') });
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'epc-life-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('stop is safe before start and twice; start is idempotent; stop removes every socket; no shared enclave.sock', async () => {
    const c = make();
    await c.stop();
    await c.start();
    await c.start();
    expect(existsSync(join(dir, 'enclave.sock'))).toBe(false);
    await bindSlot(c, 'enclave-0');
    expect((await rawRequest(c.slotSocket('enclave-0'), 'GET', '/healthz')).json).toEqual({ ok: true });
    await c.stop();
    await c.stop();
    await expect(c.start()).rejects.toThrow(/stopped/);
    expect(existsSync(c.controlSocket)).toBe(false);
    expect(existsSync(c.slotSocket('enclave-0'))).toBe(false);
  });

  it('refuses a live socket without touching it, and a non-socket file in its place', async () => {
    const a = make();
    await a.start();
    const b = make();
    await expect(b.start()).rejects.toBeInstanceOf(SocketInUseError);
    expect((await rawRequest(a.controlSocket, 'GET', '/healthz')).status).toBe(200);
    await a.stop();
    await writeFile(join(dir, 'control.sock'), 'not a socket');
    await expect(make().start()).rejects.toThrow(/not a socket/);
    expect(existsSync(join(dir, 'enclave.sock'))).toBe(false);
  });

  it('binds take pre-listened spare sockets from a 0700 spare dir: each answers as its own slot, the spares refill, a live socket at a slot path is still refused, stop removes the spare dir', async () => {
    const c = make();
    await c.start();
    const spareDir = join(dir, SPARE_SOCKETS_DIR);
    const spares = () => readdirSync(spareDir).sort();
    try {
      expect((statSync(spareDir).mode & 0o7777).toString(8)).toBe('700');
      const before = spares();
      expect(before).toHaveLength(SPARE_SOCKETS);
      // More slots than spares: the first SPARE_SOCKETS take a spare's inode, the rest listen anew.
      const slots = Array.from({ length: SPARE_SOCKETS + 2 }, (_, i) => `enclave-${i}`);
      for (const slot of slots) await bindSlot(c, slot);
      const inodes = new Set(slots.map((slot) => statSync(c.slotSocket(slot)).ino));
      expect(inodes.size).toBe(slots.length);
      for (const slot of slots) {
        expect((statSync(c.slotSocket(slot)).mode & 0o7777).toString(8)).toBe('666');
        const self = await rawRequest(c.slotSocket(slot), 'GET', '/v1/self');
        expect({ status: self.status, slot: self.json.slot, cgroup: self.json.cgroup }).toEqual({ status: 200, slot, cgroup: `/pod-${slot}` });
      }
      await until(() => spares().length === SPARE_SOCKETS, 'the spares refilled'); // refill is asynchronous
      expect(spares()).toHaveLength(SPARE_SOCKETS);
      expect(spares().some((f) => before.includes(f))).toBe(false); // the taken ones were renamed away
      // Unbind removes the slot's socket; a later bind of the slot serves it again.
      const control = new ControlClient(c.controlSocket);
      try {
        await control.unbind('enclave-0');
        expect(existsSync(c.slotSocket('enclave-0'))).toBe(false);
        await control.bind('enclave-0', '/pod-enclave-1');
        expect((await rawRequest(c.slotSocket('enclave-0'), 'GET', '/v1/self')).json.cgroup).toBe('/pod-enclave-1');
        // Someone else's live socket at a slot's path: refused, never replaced by a spare.
        await mkdir(join(dir, 'slots', 'taken'), { recursive: true });
        const other = createServer();
        await new Promise<void>((r) => other.listen(c.slotSocket('taken'), r));
        try {
          await control.mkdir('/pod-taken');
          await expect(control.bind('taken', '/pod-taken')).rejects.toThrow(/live process/);
          expect(statSync(c.slotSocket('taken')).isSocket()).toBe(true);
        } finally {
          await new Promise((r) => other.close(r));
        }
      } finally {
        control.close();
      }
    } finally {
      await c.stop();
    }
    expect(existsSync(spareDir)).toBe(false);
  });

  it('a slot\'s enclave.sock is 0666 in a 0755 slot dir under a 0711 slots/ (pods connect as any uid), control.sock 0600, whatever the umask', async () => {
    expect([ENCLAVE_SOCKET_MODE, CONTROL_SOCKET_MODE]).toEqual([0o666, 0o600]);
    for (const umask of [0o077, 0o000]) {
      const old = process.umask(umask);
      const c = make();
      try {
        await c.start();
      } finally {
        process.umask(old);
      }
      try {
        await bindSlot(c, 'enclave-3');
        const [enclave, control, slotDir, slots] = await Promise.all([stat(c.slotSocket('enclave-3')), stat(c.controlSocket), stat(join(dir, 'slots', 'enclave-3')), stat(join(dir, 'slots'))]);
        expect(enclave.isSocket() && control.isSocket()).toBe(true);
        const m = (st: { mode: number }) => (st.mode & 0o7777).toString(8);
        expect({ umask: umask.toString(8), enclave: m(enclave), control: m(control), slotDir: m(slotDir), slots: m(slots) })
          .toEqual({ umask: umask.toString(8), enclave: '666', control: '600', slotDir: '755', slots: '711' });
      } finally {
        await c.stop();
      }
    }
  });

  it('a non-root uid (65532) can use its slot\'s enclave.sock, cannot list slots/, and is refused by control.sock', async (ctx) => {
    if (process.getuid?.() !== 0) {
      console.log('skipped: connecting as uid 65532 needs a test run as root (setuid child process)');
      ctx.skip();
    }
    const c = make();
    await c.start();
    try {
      await bindSlot(c, 'enclave-1');
      await chmod(dir, 0o755); // mkdtemp makes it 0700; on nodes /var/run/epc is 0755
      const script = `
        const http = require('node:http');
        const get = (socketPath) => new Promise((resolve) => {
          const req = http.get({ socketPath, path: '/healthz' }, (res) => { res.resume(); resolve(String(res.statusCode)); });
          req.on('error', (e) => resolve(e.code));
        });
        let list = 'listed';
        try { require('node:fs').readdirSync(process.argv[3]); } catch (e) { list = e.code; }
        Promise.all([get(process.argv[1]), get(process.argv[2])]).then((r) => console.log(JSON.stringify({ uid: process.getuid(), enclave: r[0], control: r[1], list })));`;
      const out = await new Promise<string>((resolve, reject) => {
        execFile(process.execPath, ['-e', script, c.slotSocket('enclave-1'), c.controlSocket, join(dir, 'slots')], { uid: 65532, gid: 65532, timeout: 20_000 }, (err, stdout, stderr) => (err ? reject(new Error(`${err.message}\n${stderr}`)) : resolve(stdout)));
      });
      expect(JSON.parse(out)).toEqual({ uid: 65532, enclave: '200', control: 'EACCES', list: 'EACCES' });
    } finally {
      await c.stop();
    }
  });
});
