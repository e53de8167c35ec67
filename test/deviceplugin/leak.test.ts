import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { startSgxPlugins } from '../../src/deviceplugin/sgx/start-sgx-plugins.js';
import { KubeletEmulator } from '../../src/testbed/kubelet/kubelet-emulator.js';
import { pod, Scope, until } from './fixtures.js';

/** Counts of active handles by type (sockets, servers, timers, fs watchers). */
function handles(): Record<string, number> {
  const out: Record<string, number> = {};
  for (const t of process.getActiveResourcesInfo()) out[t] = (out[t] ?? 0) + 1;
  return out;
}

describe('nothing left behind', () => {
  it('after stop: no socket file, no stream, no timer, no watcher, no server', async () => {
    const scope = new Scope();
    const modelDir = scope.dir('epc-model-');
    await new Promise((r) => setTimeout(r, 100));
    const before = handles();
    const kubelet = new KubeletEmulator();
    await kubelet.start();
    const plugins = await startSgxPlugins({ pluginDir: kubelet.deviceDir, modelSocketDir: modelDir, enclaveSlots: 8, provisionSlots: 2, healthPollMs: 30, watchPollMs: 30 });
    await until(() => kubelet.resource('sgx.intel.com/enclave')?.registrations === 1 && kubelet.resource('sgx.intel.com/provision')?.registrations === 1, 'registrations');
    await kubelet.restart();
    await until(() => (kubelet.resource('sgx.intel.com/enclave')?.registrations ?? 0) >= 2, 're-registration');
    const during = handles();
    expect((during.PipeWrap ?? 0) + (during.PipeServerWrap ?? 0)).toBeGreaterThan((before.PipeWrap ?? 0) + (before.PipeServerWrap ?? 0));
    await plugins.stop();
    await kubelet.stop();
    await plugins.stop();
    await kubelet.stop();
    for (const p of plugins.plugins) expect(existsSync(p.socketPath)).toBe(false);
    expect(existsSync(kubelet.deviceDir)).toBe(false);
    // closing sockets completes on the next turns of the loop
    await new Promise((r) => setTimeout(r, 300));
    const after = handles();
    console.log('active resources before', before, 'during', during, 'after', after);
    for (const type of new Set([...Object.keys(after), ...Object.keys(before)])) {
      expect(after[type] ?? 0, type).toBeLessThanOrEqual(before[type] ?? 0);
    }
    await scope.cleanup();
  });

  it('admission after stop is refused, and a stopped emulator leaves its given directory empty of sockets', async () => {
    const scope = new Scope();
    const dir = scope.dir();
    const kubelet = new KubeletEmulator({ deviceDir: dir });
    await kubelet.start();
    await kubelet.stop();
    expect(readdirSync(dir)).toEqual([]);
    await expect(kubelet.admitPod(pod('late', [{ name: 'c' }]))).rejects.toThrow(/not running/);
    await scope.cleanup();
  });
});
