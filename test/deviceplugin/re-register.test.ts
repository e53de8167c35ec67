import { existsSync, rmSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import type { DevicePlugin, DevicePluginEvent } from '../../src/deviceplugin/device-plugin.js';
import { fileIdentity } from '../../src/deviceplugin/file-identity.js';
import { coveredBy, mergeRequest } from '../../src/deviceplugin/resync-request.js';
import type { KubeletEmulator } from '../../src/testbed/kubelet/kubelet-emulator.js';
import { newKubeletSocketIdentity, Scope, until } from './fixtures.js';

const R = 'example.com/thing';
const scope = new Scope();
afterEach(() => scope.cleanup());

/** Holds the emulator's Register calls while armed: `held` resolves when one is inside, `release` lets it go. */
class RegisterGate {
  private armed = false;
  private entered: (() => void) | undefined;
  private open: (() => void) | undefined;
  held: Promise<void> = Promise.resolve();
  arm(): void {
    this.armed = true;
    this.held = new Promise((r) => (this.entered = r));
  }
  readonly hold = async (): Promise<void> => {
    if (!this.armed) return;
    this.armed = false; // hold one call only
    const gate = new Promise<void>((r) => (this.open = r));
    this.entered?.();
    await gate;
  };
  release(): void {
    this.open?.();
  }
}

const registerBegins = (k: KubeletEmulator, from: number) => k.events.slice(from).filter((e) => e.type === 'register-begin' && e.resourceName === R).length;
const restartsSeen = (events: DevicePluginEvent[], from: number, change: string) => events.slice(from).filter((e) => e.type === 'kubelet-restart' && e.change === change).length;

async function registered(): Promise<{ kubelet: KubeletEmulator; p: DevicePlugin; gate: RegisterGate; events: DevicePluginEvent[] }> {
  const gate = new RegisterGate();
  const kubelet = await scope.emulator({ holdRegister: gate.hold });
  const events: DevicePluginEvent[] = [];
  const p = scope.plugin(kubelet.deviceDir, {}, { events });
  await p.start();
  await kubelet.waitForRegistration(R);
  await p.settled();
  expect(p.registrations).toBe(1);
  return { kubelet, p, gate, events };
}

describe('device plugin: one kubelet restart, one Register', () => {
  it('own socket deleted and a new kubelet.sock seen together: the Register in flight covers both, no second Register', async () => {
    const { kubelet, p, gate, events } = await registered();
    const from = kubelet.events.length;
    const evFrom = events.length;
    gate.arm();
    // One restart as the watcher may see it in one look: own socket gone and kubelet.sock new.
    rmSync(p.socketPath);
    await newKubeletSocketIdentity(kubelet.kubeletSocketPath);
    await gate.held; // the first re-registration is inside kubelet's Register
    await until(() => restartsSeen(events, evFrom, 'own-socket-deleted') === 1 && restartsSeen(events, evFrom, 'new-kubelet-socket') === 1, 'both watcher events');
    gate.release();
    await p.settled();
    expect(registerBegins(kubelet, from)).toBe(1);
    expect(kubelet.events.slice(from).filter((e) => e.type === 'register-end' && e.resourceName === R && !e.error)).toHaveLength(1);
    expect(p.registrations).toBe(2);
    expect(kubelet.resource(R)).toMatchObject({ registrations: 2, endpoint: p.socketPath });
    await until(() => kubelet.resource(R)?.allocatable === 3, 'devices on the one new registration');
  });

  it('a new kubelet.sock seen while the Register for the previous change is in flight: registers again', async () => {
    const { kubelet, p, gate, events } = await registered();
    const from = kubelet.events.length;
    const evFrom = events.length;
    gate.arm();
    await newKubeletSocketIdentity(kubelet.kubeletSocketPath);
    await gate.held;
    await newKubeletSocketIdentity(kubelet.kubeletSocketPath); // a genuinely newer kubelet.sock, after the Register began
    await until(() => restartsSeen(events, evFrom, 'new-kubelet-socket') === 2, 'the second new kubelet.sock seen');
    gate.release();
    await p.settled();
    expect(registerBegins(kubelet, from)).toBe(2);
    expect(p.registrations).toBe(3);
    expect(kubelet.resource(R)).toMatchObject({ registrations: 3, endpoint: p.socketPath });
  });

  it('own socket deleted after kubelet dialed it for the Register in flight: serves anew and registers again', async () => {
    const { kubelet, p, gate, events } = await registered();
    const from = kubelet.events.length;
    const evFrom = events.length;
    gate.arm();
    await newKubeletSocketIdentity(kubelet.kubeletSocketPath);
    await gate.held; // kubelet already read our options over the socket
    const served = fileIdentity(p.socketPath);
    rmSync(p.socketPath);
    await until(() => restartsSeen(events, evFrom, 'own-socket-deleted') === 1, 'own socket deletion seen');
    gate.release();
    await p.settled();
    expect(registerBegins(kubelet, from)).toBe(2);
    expect(kubelet.events.slice(from).filter((e) => e.type === 'register-end' && e.resourceName === R && !e.error)).toHaveLength(2);
    expect(existsSync(p.socketPath)).toBe(true);
    expect(fileIdentity(p.socketPath)).not.toBe(served);
    expect(kubelet.resource(R)).toMatchObject({ registrations: 3, endpoint: p.socketPath });
    await until(() => kubelet.resource(R)?.allocatable === 3, 'devices on the new socket');
  });

  it('kubelet restarting twice quickly, the second time while the first re-registration is held: ends registered with the newest kubelet', async () => {
    const { kubelet, p, gate } = await registered();
    gate.arm();
    await kubelet.restart();
    await gate.held; // re-registration after restart 1 is inside Register
    await kubelet.restart(); // restart 2: that Register's kubelet is gone
    const from = kubelet.events.length;
    gate.release();
    await kubelet.waitForRegistration(R, { from });
    await until(() => kubelet.resource(R)?.allocatable === 3, 'devices on the newest kubelet');
    await p.settled();
    const last = kubelet.events.filter((e) => e.type === 'register-end' && e.resourceName === R && !e.error).at(-1)!;
    expect(kubelet.events.indexOf(last)).toBeGreaterThan(kubelet.events.findLastIndex((e) => e.type === 'restart'));
    expect(existsSync(p.socketPath)).toBe(true);
    expect(kubelet.resource(R)).toMatchObject({ endpoint: p.socketPath, allocatable: 3 });
  });
});

describe('resync-request: when a finished Register covers pending requests', () => {
  const at = { kubeletId: 'k1', ownId: 'o1' };
  it('covers watcher requests while kubelet.sock and the own socket are unchanged', () => {
    const pending = mergeRequest(mergeRequest(undefined, 'own-socket-deleted'), 'new-kubelet-socket');
    expect(coveredBy(pending, at, { ...at })).toBe(true);
  });
  it('does not cover a new kubelet.sock, a gone kubelet.sock, or a deleted or replaced own socket', () => {
    const pending = mergeRequest(undefined, 'new-kubelet-socket');
    expect(coveredBy(pending, at, { kubeletId: 'k2', ownId: 'o1' })).toBe(false);
    expect(coveredBy(pending, at, { kubeletId: undefined, ownId: 'o1' })).toBe(false);
    expect(coveredBy(pending, at, { kubeletId: 'k1', ownId: undefined })).toBe(false);
    expect(coveredBy(pending, at, { kubeletId: 'k1', ownId: 'o2' })).toBe(false);
  });
  it('never covers a stream end or retry, even merged with watcher requests, nor an attempt with unknown identities', () => {
    expect(coveredBy(mergeRequest(mergeRequest(undefined, 'stream-ended'), 'new-kubelet-socket'), at, at)).toBe(false);
    expect(coveredBy(mergeRequest(mergeRequest(undefined, 'new-kubelet-socket'), 'stream-ended'), at, at)).toBe(false);
    expect(coveredBy(mergeRequest(undefined, 'own-socket-deleted'), { kubeletId: undefined, ownId: 'o1' }, { kubeletId: undefined, ownId: 'o1' })).toBe(false);
  });
});
