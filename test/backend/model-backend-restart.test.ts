/**
 * A container restart that would change nothing makes no controller request (ModelBackend
 * remembers what it applied, per cgroup and controller instance), and everything that could make
 * that memory wrong makes the next apply a real request again: a controller restart (in process
 * and a SIGKILLed real process), writes through the backend, drift seen by reads, failures.
 * Requests are counted at the controller (`EpcController.controlRequests`).
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { ModelBackend } from '../../src/backend/model-backend.js';
import { ControlClient } from '../../src/contracts/controller-api/control-client.js';
import { EpcController } from '../../src/controller/epc-controller.js';
import { createLogger } from '../../src/util/logger.js';
import { spawnController, waitExit } from '../controller/cli-process.js';

const PAGE = 4096;
const POD = '/kubepods/burstable/pod-a';
const WANT = { cgroup: POD, max: 8 * PAGE, slots: ['enclave-0'] } as const;
const quiet = createLogger('restart-test', 'silent');

const cleanups: Array<() => Promise<unknown> | unknown> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function tempDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'epc-skip-'));
  cleanups.push(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

async function startController(dir: string): Promise<EpcController> {
  const c = new EpcController({ socketDir: dir, capacityPages: 1024, costScale: 0, logger: quiet });
  await c.start();
  cleanups.push(() => c.stop());
  return c;
}

function backendOn(dir: string): ModelBackend {
  const b = new ModelBackend({ socketDir: dir });
  cleanups.push(() => b.close());
  return b;
}

/** Applies through the backend and returns how many requests the controller received for it. */
async function requestsFor(ctl: EpcController, fn: () => Promise<unknown>): Promise<number> {
  const before = ctl.controlRequests;
  await fn();
  return ctl.controlRequests - before;
}

/** A first apply, then waits until the backend knows the controller instance (its watch is open). */
async function appliedAndKnown(b: ModelBackend, want: Parameters<ModelBackend['applyCgroup']>[0] = WANT): Promise<void> {
  await b.applyCgroup(want);
  await vi.waitFor(() => expect(b.controllerInstance).toBeDefined(), { timeout: 5000, interval: 10 });
}

async function stateOf(control: ControlClient, path: string) {
  const cgroups = await control.listCgroups('/');
  const bindings = await control.bindings();
  return { exists: cgroups.includes(path), max: cgroups.includes(path) ? (await control.readFile(path, 'misc.max')).trim() : undefined, bindings };
}

describe('ModelBackend: a restart with nothing to change skips the controller', () => {
  it('the same cgroup, max and slots again: no request; any difference: one request', async () => {
    const dir = await tempDir();
    const ctl = await startController(dir);
    const b = backendOn(dir);
    await appliedAndKnown(b);
    for (let i = 0; i < 5; i++) expect(await requestsFor(ctl, async () => expect(await b.applyCgroup({ ...WANT, cgroup: 'kubepods/burstable/pod-a/' })).toEqual({ created: false }))).toBe(0);
    expect(await requestsFor(ctl, () => b.applyCgroup({ ...WANT, max: 4 * PAGE }))).toBe(1);
    expect(await requestsFor(ctl, () => b.applyCgroup({ ...WANT, max: 4 * PAGE }))).toBe(0);
    expect(await requestsFor(ctl, () => b.applyCgroup({ ...WANT, max: 4 * PAGE, slots: ['enclave-0', 'enclave-1'] }))).toBe(1);
    expect(await requestsFor(ctl, () => b.applyCgroup({ ...WANT, max: 4 * PAGE, slots: ['enclave-1', 'enclave-0'] }))).toBe(0);
    expect(await requestsFor(ctl, () => b.applyCgroup({ ...WANT, max: 'max', slots: ['enclave-1', 'enclave-0'] }))).toBe(1);
    const control = new ControlClient(ctl.controlSocket);
    cleanups.push(() => control.close());
    expect(await stateOf(control, POD)).toEqual({ exists: true, max: 'sgx_epc max', bindings: [{ slot: 'enclave-0', path: POD }, { slot: 'enclave-1', path: POD }] });
  });

  it('after a controller restart on the same socket dir the next apply goes to the new controller and the cgroup, limit and binding exist again', async () => {
    const dir = await tempDir();
    const first = await startController(dir);
    const b = backendOn(dir);
    await appliedAndKnown(b);
    const before = b.controllerInstance;
    await first.stop();
    const second = await startController(dir);
    expect(await requestsFor(second, async () => expect(await b.applyCgroup(WANT)).toEqual({ created: true }))).toBe(1);
    const control = new ControlClient(second.controlSocket);
    cleanups.push(() => control.close());
    expect(await stateOf(control, POD)).toEqual({ exists: true, max: `sgx_epc ${8 * PAGE}`, bindings: [{ slot: 'enclave-0', path: POD }] });
    await vi.waitFor(() => expect(b.controllerInstance).toBeDefined(), { timeout: 5000, interval: 10 });
    expect(b.controllerInstance).not.toBe(before);
    expect(await requestsFor(second, () => b.applyCgroup(WANT))).toBe(0);
  });

  it('a SIGKILLed controller process (its socket file left behind) is never trusted; a new one gets the state again', async () => {
    const dir = await tempDir();
    const ctlDir = join(dir, 'ctl');
    const first = await spawnController(['--socket-dir', ctlDir, '--capacity', '4Mi', '--cost-scale', '0']);
    cleanups.push(() => waitExit(first.child, 'SIGKILL'));
    const b = backendOn(ctlDir);
    await appliedAndKnown(b);
    first.child.kill('SIGKILL');
    await waitExit(first.child);
    await vi.waitFor(() => expect(b.controllerInstance).toBeUndefined(), { timeout: 5000, interval: 10 });
    await expect(b.applyCgroup(WANT)).rejects.toMatchObject({ code: 'EIO' });
    const second = await spawnController(['--socket-dir', ctlDir, '--capacity', '4Mi', '--cost-scale', '0']);
    cleanups.push(() => second.stop());
    expect(await b.applyCgroup(WANT)).toEqual({ created: true });
    const control = new ControlClient(second.ready.controlSocket);
    cleanups.push(() => control.close());
    expect(await stateOf(control, POD)).toEqual({ exists: true, max: `sgx_epc ${8 * PAGE}`, bindings: [{ slot: 'enclave-0', path: POD }] });
  });

  it.each([
    ['setMax', (b: ModelBackend) => b.setMax(POD, 2 * PAGE)],
    ['unbindSlot', (b: ModelBackend) => b.unbindSlot('enclave-0')],
    ['bindSlot elsewhere', async (b: ModelBackend) => {
      await b.ensureCgroup('/other');
      await b.bindSlot('enclave-0', '/other');
    }],
    ['removeCgroup', (b: ModelBackend) => b.removeCgroup(POD)],
    ['removeCgroup of an ancestor', (b: ModelBackend) => b.removeCgroup('/kubepods')],
  ])('after %s through the backend the next apply goes through and restores the state', async (_name, write) => {
    const dir = await tempDir();
    const ctl = await startController(dir);
    const b = backendOn(dir);
    await appliedAndKnown(b);
    await write(b);
    expect(await requestsFor(ctl, () => b.applyCgroup(WANT))).toBe(1);
    const control = new ControlClient(ctl.controlSocket);
    cleanups.push(() => control.close());
    const s = await stateOf(control, POD);
    expect([s.exists, s.max, s.bindings.find((x) => x.slot === 'enclave-0')?.path]).toEqual([true, `sgx_epc ${8 * PAGE}`, POD]);
    expect(await requestsFor(ctl, () => b.applyCgroup(WANT))).toBe(0);
  });

  it('a slot applied to another cgroup (a reused slot) makes the first cgroup\'s next apply a request again', async () => {
    const dir = await tempDir();
    const ctl = await startController(dir);
    const b = backendOn(dir);
    await appliedAndKnown(b);
    const other = { cgroup: '/kubepods/burstable/pod-b', max: 2 * PAGE, slots: ['enclave-0'] };
    expect(await requestsFor(ctl, () => b.applyCgroup(other))).toBe(1);
    expect(await requestsFor(ctl, () => b.applyCgroup(other))).toBe(0);
    expect(await requestsFor(ctl, () => b.applyCgroup(WANT))).toBe(1);
    const control = new ControlClient(ctl.controlSocket);
    cleanups.push(() => control.close());
    expect(await control.bindings()).toEqual([{ slot: 'enclave-0', path: POD }]);
    expect(await requestsFor(ctl, () => b.applyCgroup(other))).toBe(1);
  });

  it('ensureCgroup and reads that agree change nothing: the restart still skips', async () => {
    const dir = await tempDir();
    const ctl = await startController(dir);
    const b = backendOn(dir);
    await appliedAndKnown(b);
    await b.ensureCgroup(POD);
    expect(await b.getMax(POD)).toBe(8 * PAGE);
    expect((await b.stats(POD)).max).toBe(8 * PAGE);
    expect(await b.bindings()).toEqual(new Map([['enclave-0', POD]]));
    expect(await b.listCgroups('/kubepods')).toContain(POD);
    expect(await requestsFor(ctl, () => b.applyCgroup(WANT))).toBe(0);
  });

  it.each([
    ['getMax', (b: ModelBackend) => b.getMax(POD)],
    ['stats', (b: ModelBackend) => b.stats(POD)],
    ['bindings', (b: ModelBackend) => b.bindings()],
    ['listCgroups', (b: ModelBackend) => b.listCgroups('/kubepods')],
  ])('drift written past the backend and seen by %s: the next apply goes through and repairs it', async (read, seeIt) => {
    const dir = await tempDir();
    const ctl = await startController(dir);
    const b = backendOn(dir);
    await appliedAndKnown(b);
    const operator = new ControlClient(ctl.controlSocket);
    cleanups.push(() => operator.close());
    if (read === 'bindings') await operator.unbind('enclave-0');
    else if (read === 'listCgroups') await operator.rmdir(POD);
    else await operator.writeFile(POD, 'misc.max', 'sgx_epc 4096');
    await seeIt(b);
    expect(await requestsFor(ctl, () => b.applyCgroup(WANT))).toBe(1);
    const s = await stateOf(operator, POD);
    expect([s.exists, s.max, s.bindings]).toEqual([true, `sgx_epc ${8 * PAGE}`, [{ slot: 'enclave-0', path: POD }]]);
  });

  it('a failed apply leaves nothing remembered, and neither does any other failed call', async () => {
    const dir = await tempDir();
    const ctl = await startController(dir);
    const b = backendOn(dir);
    // A slot the controller cannot serve: the apply fails, nothing is made, nothing remembered.
    await writeFile(join(dir, 'slots', 'enclave-9'), 'not a directory');
    const bad = { cgroup: POD, max: 8 * PAGE, slots: ['enclave-9'] };
    await expect(b.applyCgroup(bad)).rejects.toMatchObject({ code: 'EIO' });
    await expect(b.applyCgroup(bad)).rejects.toMatchObject({ code: 'EIO' });
    await appliedAndKnown(b);
    // The same cgroup with the unservable slot fails (state restored by the controller) ...
    await expect(b.applyCgroup({ ...WANT, slots: ['enclave-0', 'enclave-9'] })).rejects.toMatchObject({ code: 'EIO' });
    // ... and the next apply of the good state is a real request again.
    expect(await requestsFor(ctl, () => b.applyCgroup(WANT))).toBe(1);
    expect(await requestsFor(ctl, () => b.applyCgroup(WANT))).toBe(0);
    // Any failure, even a read of another cgroup, forgets everything.
    await expect(b.getMax('/missing')).rejects.toMatchObject({ code: 'ENOENT' });
    expect(await requestsFor(ctl, () => b.applyCgroup(WANT))).toBe(1);
  });

  it('concurrent writes to the same cgroup never leave a memory of a state that is not the final one', async () => {
    const dir = await tempDir();
    const ctl = await startController(dir);
    const b = backendOn(dir);
    await appliedAndKnown(b);
    // An apply and a setMax in flight together: whichever the controller did last, the next apply asks.
    await Promise.all([b.applyCgroup({ ...WANT, max: 16 * PAGE }), b.setMax(POD, 2 * PAGE)]);
    expect(await requestsFor(ctl, () => b.applyCgroup({ ...WANT, max: 16 * PAGE }))).toBe(1);
    // Two applies in flight: neither is remembered.
    await Promise.all([b.applyCgroup({ ...WANT, max: 4 * PAGE }), b.applyCgroup({ ...WANT, max: 2 * PAGE })]);
    expect(await requestsFor(ctl, () => b.applyCgroup({ ...WANT, max: 4 * PAGE }))).toBe(1);
    const control = new ControlClient(ctl.controlSocket);
    cleanups.push(() => control.close());
    expect((await control.readFile(POD, 'misc.max')).trim()).toBe(`sgx_epc ${4 * PAGE}`);
  });

  it('an older controller (no instance in its reply, no GET /v1/instance): every apply is a request', async () => {
    const dir = await tempDir();
    // What a controller from before this field answers, on a real unix socket.
    let requests = 0;
    const old = createServer((req, res) => {
      requests++;
      req.resume().on('end', () => {
        const ok = req.method === 'POST' && req.url === '/v1/pod-cgroup';
        res.writeHead(ok ? 200 : 404, { 'content-type': 'application/json' });
        res.end(JSON.stringify(ok ? { path: POD, created: false, max: WANT.max, slots: WANT.slots } : { error: { code: 'ENOSYS', message: 'no route' } }));
      });
    });
    await new Promise<void>((r) => old.listen(join(dir, 'control.sock'), r));
    cleanups.push(() => new Promise((r) => {
      old.closeAllConnections();
      old.close(r);
    }));
    const b = backendOn(dir);
    for (let i = 1; i <= 3; i++) {
      expect(await b.applyCgroup(WANT)).toEqual({ created: false });
      await new Promise((r) => setTimeout(r, 50));
      expect(b.controllerInstance).toBeUndefined();
    }
    // Three applies and nothing else (a reply without an instance opens no watch).
    expect(requests).toBe(3);
  });
});
