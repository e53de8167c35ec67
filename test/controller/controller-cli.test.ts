import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ControlClient } from '../../src/contracts/controller-api/control-client.js';
import { runCli } from '../helpers/run-cli.js';
import { spawnController, waitExit, type ControllerProcess } from './cli-process.js';

describe('epc controller as a real process', () => {
  let dir: string;
  const procs: ControllerProcess[] = [];
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'epc-ctl-cli-'));
  });
  afterEach(async () => {
    for (const p of procs.splice(0)) await p.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it.each([
    ['no socket dir', ['--capacity', '1Mi'], /socket-dir/],
    ['a bad capacity', ['--socket-dir', '/tmp/x', '--capacity', '12x'], /--capacity/],
    ['a capacity not in pages', ['--socket-dir', '/tmp/x', '--capacity', '1000'], /--capacity must be a multiple of 4096/],
    ['a negative cost scale', ['--socket-dir', '/tmp/x', '--cost-scale', '-1'], /--cost-scale/],
    ['bad costs', ['--socket-dir', '/tmp/x', '--costs', 'evictCycles=lots'], /--costs evictCycles/],
    ['an unknown cost key', ['--socket-dir', '/tmp/x', '--costs', 'foo=1'], /unknown key "foo"/],
    ['a bad metrics address', ['--socket-dir', '/tmp/x', '--metrics-addr', 'localhost'], /--metrics-addr/],
  ])('exits 2 on %s, naming the flag', async (_n, args, msg) => {
    const r = await runCli(['controller', ...args]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(msg);
  });

  it('exits 2 naming --socket-dir when the longest socket path under it (slots/<32-char slot>/enclave.sock) would pass the unix limit; creates nothing', async () => {
    const fits = join(dir, 'f'.repeat(55 - dir.length - 1)); // 55 bytes: the longest socket path is exactly 107
    const tooLong = `${fits}x`;
    const r = await runCli(['controller', '--socket-dir', tooLong, '--capacity', '1Mi']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--socket-dir .* too long: .* 108 bytes, over the unix socket path limit of 107/);
    expect(existsSync(tooLong)).toBe(false);
    const p = await spawnController(['--socket-dir', fits, '--capacity', '1Mi']);
    procs.push(p);
    const c = new ControlClient(p.ready.controlSocket);
    await c.mkdir('/pod');
    const slot = 'e'.repeat(32);
    await c.bind(slot, '/pod');
    expect(existsSync(join(fits, 'slots', slot, 'enclave.sock'))).toBe(true);
    c.close();
  });

  it.each([
    ['a dir under /proc', '/proc/epc-x', /--socket-dir unusable: .*cannot create \/proc\/epc-x/],
    ['a file in the way', 'FILE/sub', /--socket-dir unusable: .*is not a directory/],
  ])('exits 2 with a message for an unusable socket dir (%s)', async (_n, d, msg) => {
    await import('node:fs/promises').then((fs) => fs.writeFile(join(dir, 'FILE'), 'x'));
    const r = await runCli(['controller', '--socket-dir', d.replace('FILE', join(dir, 'FILE')), '--capacity', '1Mi']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(msg);
  });

  it('validates every flag before creating the socket dir', async () => {
    const fresh = join(dir, 'fresh');
    for (const bad of [['--capacity', '12x'], ['--metrics-addr', 'nohost'], ['--fault-retry-ms', '-3']]) {
      const r = await runCli(['controller', '--socket-dir', fresh, ...bad]);
      expect(r.code).toBe(2);
      expect(r.stderr).toContain(bad[0]);
      expect(existsSync(fresh)).toBe(false);
    }
  });

  it('serves both sockets and metrics, refuses a second live controller, removes its sockets on SIGTERM', async () => {
    const p = await spawnController(['--socket-dir', dir, '--capacity', '1Mi', '--cost-scale', '0', '--metrics-addr', '127.0.0.1:0']);
    procs.push(p);
    expect(p.ready).toMatchObject({ controlSocket: join(dir, 'control.sock'), slotSocket: join(dir, 'slots', '<slot>', 'enclave.sock'), capacityPages: 256 });
    const c = new ControlClient(p.ready.controlSocket);
    await c.mkdir('/pod-a');
    await c.writeFile('/pod-a', 'misc.max', 'sgx_epc 65536');
    await c.bind('enclave-0', '/pod-a');
    expect(existsSync(join(dir, 'slots', 'enclave-0', 'enclave.sock'))).toBe(true);
    c.close();

    const res = await fetch(`http://${p.ready.metricsAddr}/metrics`);
    const text = await res.text();
    expect(text).toMatch(/^epc_node_capacity_bytes 1048576$/m);
    expect(text).toMatch(/^epc_node_free_bytes 1048576$/m);
    expect(text).toMatch(/^epc_cgroup_max_bytes\{cgroup="\/pod-a"\} 65536$/m);
    expect(text).toMatch(/^epc_cgroup_current_bytes\{cgroup="\/pod-a"\} 0$/m);
    expect(text).toMatch(/^epc_cgroup_max_events_total\{cgroup="\/pod-a"\} 0$/m);
    expect(text).toMatch(/^epc_evicted_pages_total 0$/m);

    const second = await runCli(['controller', '--socket-dir', dir, '--capacity', '1Mi']);
    expect(second.code).toBe(1);
    expect(second.stderr).toMatch(/live process/);
    expect(existsSync(join(dir, 'control.sock'))).toBe(true);

    procs.pop();
    expect(await p.stop()).toBe(0);
    expect(existsSync(join(dir, 'control.sock'))).toBe(false);
    expect(existsSync(join(dir, 'enclave.sock'))).toBe(false);
    expect(existsSync(join(dir, 'slots', 'enclave-0', 'enclave.sock'))).toBe(false);
  });

  it('replaces stale socket files left by a killed controller', async () => {
    const first = await spawnController(['--socket-dir', dir, '--capacity', '1Mi']);
    const c1 = new ControlClient(first.ready.controlSocket);
    await c1.mkdir('/pod');
    await c1.bind('enclave-2', '/pod');
    c1.close();
    await waitExit(first.child, 'SIGKILL');
    expect(existsSync(join(dir, 'control.sock'))).toBe(true);
    expect(existsSync(join(dir, 'slots', 'enclave-2', 'enclave.sock'))).toBe(true);
    const p = await spawnController(['--socket-dir', dir, '--capacity', '1Mi']);
    procs.push(p);
    const c = new ControlClient(p.ready.controlSocket);
    expect((await c.node()).capacityPages).toBe(256);
    await c.mkdir('/pod');
    await c.bind('enclave-2', '/pod'); // the agent's reconciler re-binds after a controller restart
    const { EnclaveClient } = await import('../../src/contracts/controller-api/enclave-client.js');
    const e = new EnclaveClient(join(dir, 'slots', 'enclave-2', 'enclave.sock'));
    expect((await e.self()).cgroup).toBe('/pod');
    e.close();
    c.close();
  });
});
