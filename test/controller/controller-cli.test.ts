import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ControlClient } from '../../src/controller/control-client.js';
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

  it('serves both sockets and metrics, refuses a second live controller, removes its sockets on SIGTERM', async () => {
    const p = await spawnController(['--socket-dir', dir, '--capacity', '1Mi', '--cost-scale', '0', '--metrics-addr', '127.0.0.1:0']);
    procs.push(p);
    expect(p.ready).toMatchObject({ controlSocket: join(dir, 'control.sock'), enclaveSocket: join(dir, 'enclave.sock'), capacityPages: 256 });
    const c = new ControlClient(p.ready.controlSocket);
    await c.mkdir('/pod-a');
    await c.writeFile('/pod-a', 'misc.max', 'sgx_epc 65536');
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
  });

  it('replaces stale socket files left by a killed controller', async () => {
    const first = await spawnController(['--socket-dir', dir, '--capacity', '1Mi']);
    await waitExit(first.child, 'SIGKILL');
    expect(existsSync(join(dir, 'control.sock'))).toBe(true);
    const p = await spawnController(['--socket-dir', dir, '--capacity', '1Mi']);
    procs.push(p);
    const c = new ControlClient(p.ready.controlSocket);
    expect((await c.node()).capacityPages).toBe(256);
    c.close();
  });
});
